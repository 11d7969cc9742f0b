"""Request and response plumbing shared by every route.

Requests: size is limited before parsing, the content type must be JSON, the
body must be a JSON object, and a POST must come from our own origin (login
CSRF). Responses: JSON with ``Cache-Control: no-store``, each cookie in its
own Set-Cookie header (Chalice sends a list as multiValueHeaders).
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from chalice import Response
from chalice.app import Request

from chalicelib import errors
from chalicelib.config import ConfigError, settings
from chalicelib.params import SecretUnavailable

_log = logging.getLogger("sesame.web")

MAX_BODY_BYTES = 4 * 1024
JSON_TYPES = ("application/json",)
ANY_CONTENT_TYPE = ["*/*"]  # routes accept anything; json_body() decides, with our error format
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache", "X-Content-Type-Options": "nosniff"}


def check_origin(request: Request) -> None:
    """Refuse a state-changing request from another site (login CSRF)."""
    headers = request.headers
    origin = headers.get("origin")
    if origin is not None and origin != settings().public_origin:
        raise errors.ForbiddenOrigin()
    if headers.get("sec-fetch-site", "").lower() == "cross-site":
        raise errors.ForbiddenOrigin()


def json_body(request: Request, *, allow_empty: bool = False) -> dict[str, Any]:
    """The request's JSON object, after the origin, size and type checks.

    ``allow_empty``: an empty body counts as ``{}`` (the content type is still
    required: it is what makes a cross-site form post impossible).
    """
    check_origin(request)
    raw = request.raw_body or b""
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    declared = request.headers.get("content-length", "0")
    if len(raw) > MAX_BODY_BYTES or (declared.isdigit() and int(declared) > MAX_BODY_BYTES):
        raise errors.PayloadTooLarge()
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type not in JSON_TYPES:
        raise errors.UnsupportedMediaType()
    if allow_empty and not raw.strip():
        return {}
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise errors.InvalidRequest("The body is not valid JSON.")
    if not isinstance(body, dict):
        raise errors.InvalidRequest("The body must be a JSON object.")
    return body


def string_field(body: dict[str, Any], name: str, *, required: bool = True) -> str | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise errors.InvalidRequest(f"Field '{name}' must be a string.")
    return value


def respond(status: int, body: dict[str, Any] | None = None, *, cookies: list[str] | None = None,
            headers: dict[str, str] | None = None) -> Response:
    """A JSON response that is never cached, with one Set-Cookie per cookie."""
    all_headers: dict[str, Any] = {**NO_STORE, **(headers or {})}
    if cookies:
        all_headers["Set-Cookie"] = cookies if len(cookies) > 1 else cookies[0]
    if body is None:
        return Response(body="", status_code=status, headers=all_headers)
    all_headers["Content-Type"] = "application/json"
    return Response(body=body, status_code=status, headers=all_headers)


def error(exc: errors.ApiError, cookies: list[str] | None = None) -> Response:
    return respond(exc.status, exc.body(), cookies=cookies, headers=exc.headers)


def handled(view: Callable[..., Response]) -> Callable[..., Response]:
    """Turn every failure into our JSON error format; never a stack trace.

    Dependencies that fail (AWS, SSM secrets, configuration) answer 503: the
    request did nothing, and nothing is sent when we cannot check limits.
    """
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        try:
            return view(*args, **kwargs)
        except errors.ApiError as exc:
            return error(exc)
        except (ClientError, BotoCoreError, SecretUnavailable, ConfigError) as exc:
            # The type and AWS error code only: messages may quote request data.
            code = exc.response.get("Error", {}).get("Code", "") if isinstance(exc, ClientError) else ""
            _log.error("dependency failed: %s %s", type(exc).__name__, code)
            return error(errors.ServiceUnavailable())
        except Exception as exc:  # noqa: BLE001 - the last line of defence
            _log.error("unexpected failure: %s", type(exc).__name__)
            return error(errors.InternalError())
    return wrapper
