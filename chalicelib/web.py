"""Request and response plumbing shared by every route.

Requests: size is limited before parsing, the content type must be JSON, the
body must be a JSON object, and a POST must come from our own origin (login
CSRF). Responses: JSON with ``Cache-Control: no-store``, each cookie in its
own Set-Cookie header (Chalice sends a list as multiValueHeaders).
"""

from __future__ import annotations

import functools
import json
import secrets
import traceback
import unicodedata
from collections.abc import Callable
from typing import Any

from chalice import Response
from chalice.app import Request

from chalicelib import audit, deadline, errors, i18n
from chalicelib.config import settings

View = Callable[..., Response]

MAX_BODY_BYTES = 4 * 1024
JSON_TYPES = ("application/json",)
ANY_CONTENT_TYPE = ["*/*"]  # routes accept anything; json_body() decides, with our error format
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache", "X-Content-Type-Options": "nosniff"}
# OWASP's secure headers that apply to a JSON API: nothing renders, frames or leaks it.
API_HEADERS = {**NO_STORE, "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
               "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer",
               "Cross-Origin-Resource-Policy": "same-origin"}
HSTS_MAX_AGE = 63072000  # two years, as OWASP and the HSTS preload list ask


def transport_headers() -> dict[str, str]:
    """``Strict-Transport-Security`` on every response of a stage served over https (not the local one)."""
    config = settings()
    if not config.public_url.startswith("https://"):
        return {}
    value = f"max-age={HSTS_MAX_AGE}" + ("; includeSubDomains" if config.hsts_include_subdomains else "")
    return {"Strict-Transport-Security": value}


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
    """A string field; a lone surrogate (valid JSON, but no text: AWS cannot take it) is refused here."""
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not _encodable(value):
        raise errors.InvalidRequest(f"Field '{name}' must be a string.")
    return value


def text_field(body: dict[str, Any], name: str, max_length: int) -> str | None:
    """Free text a person typed (a passkey's name): not blank, no control characters, trimmed and cut."""
    value = string_field(body, name, required=False)
    if value is None:
        return None
    if not value.strip() or any(unicodedata.category(c) == "Cc" for c in value):
        raise errors.InvalidRequest(f"Field '{name}' must be text without control characters.")
    return value.strip()[:max_length]


def _encodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def respond(status: int, body: dict[str, Any] | None = None, *, cookies: list[str] | None = None,
            headers: dict[str, str] | None = None) -> Response:
    """A JSON response that is never cached, with one Set-Cookie per cookie."""
    all_headers: dict[str, Any] = {**API_HEADERS, **transport_headers(), **(headers or {})}
    if cookies:
        all_headers["Set-Cookie"] = cookies if len(cookies) > 1 else cookies[0]
    if body is None:
        return Response(body="", status_code=status, headers=all_headers)
    all_headers["Content-Type"] = "application/json"
    return Response(body=body, status_code=status, headers=all_headers)


def error(exc: errors.ApiError, cookies: list[str] | None = None) -> Response:
    return respond(exc.status, exc.body(), cookies=cookies, headers=exc.headers)


def _attempt(request: Request | None, event: str, method: str) -> audit.Attempt:
    if request is None:
        return audit.Attempt(event, method=method)
    context = request.context or {}
    # API Gateway's request id; a fresh correlation id where there is none (local server).
    request_id = context.get("requestId") or secrets.token_hex(8)
    return audit.Attempt(event, method=method, source_ip=source_ip(request),
                         user_agent=request.headers.get("user-agent"), request_id=request_id)


def client(request: Request) -> Any:
    """Who is signing in: IP, User-Agent and device cookie (a ``sessions.Client``)."""
    from chalicelib.sessions import devices
    from sesame_verify.headers import cookie

    return devices.Client(ip=source_ip(request), user_agent=request.headers.get("user-agent", "")[:512],
                          locale=locale(request),
                          device_cookie=cookie(request.headers, devices.COOKIE))


def locale(request: Request, explicit: str | None = None) -> str:
    """The language to answer in: ``explicit`` (a request's ``locale`` field), else ``Accept-Language``."""
    if explicit is not None and not i18n.TAG.fullmatch(explicit):
        raise errors.InvalidRequest("Field 'locale' must be a language tag such as en or de-AT.")
    return i18n.negotiate(request.headers.get("accept-language"), explicit)


def source_ip(request: Request) -> str:
    """API Gateway's view of the client: never X-Forwarded-For, which anyone can write."""
    identity = (request.context or {}).get("identity") or {}
    return str(identity.get("sourceIp") or "unknown")


def audited(app: Any, success: str, failure: str, method: str,
            failure_cookies: Callable[[], list[str]] | None = None) -> Callable[[View], View]:
    """Run a route with one audit event for the attempt, and our error format.

    Every failure becomes a JSON error, never a stack trace. Dependencies that
    fail (AWS, SSM, configuration) answer 503: the request did nothing, and
    nothing is sent when limits cannot be checked (fail closed).
    ``failure_cookies``: Set-Cookie headers a failed dependency's 503 carries
    (sign-out clears the browser's cookies even when the server side could not
    be done); a refused request changes no cookie.
    """
    def decorator(view: View) -> View:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Response:
            attempt = _attempt(app.current_request, success, method)
            token, budget = audit.begin(attempt), deadline.start()
            try:
                response = _run(view, args, kwargs, attempt, failure, failure_cookies)
            finally:
                deadline.end(budget)
                audit.end(token)
            return response
        return wrapper
    return decorator


def _log_unhandled(exc: Exception) -> None:
    """An ERROR line for the operator: where it failed and the exception's type. Not its message,
    which may quote what the request carried (an address, a code)."""
    frames = [f"{frame.filename.rsplit('/', 2)[-1]}:{frame.lineno} {frame.name}"
              for frame in traceback.extract_tb(exc.__traceback__)]
    audit.logger.error("unhandled exception", extra={"exception_type": type(exc).__name__, "frames": frames[-8:]})


def _run(view: View, args: Any, kwargs: Any, attempt: audit.Attempt, failure: str,
         failure_cookies: Callable[[], list[str]] | None) -> Response:
    try:
        response = view(*args, **kwargs)
    except errors.ApiError as exc:
        event = "rate_limited" if isinstance(exc, errors.RateLimited) else failure
        audit.emit(attempt, "refused" if exc.status in (403, 429) else "failure", exc.code, event)
        return error(exc)  # refused requests (a cross-site POST) change no cookie
    except errors.DEPENDENCY_FAILURES as exc:
        answer = errors.answer_for(exc)
        audit.emit(attempt, "error", f"dependency:{errors.describe(exc)}"[:120], failure)
        return error(answer, cookies=failure_cookies() if failure_cookies else None)
    except Exception as exc:  # noqa: BLE001 - the last line of defence
        audit.emit(attempt, "error", f"internal:{type(exc).__name__}", failure)
        _log_unhandled(exc)
        return error(errors.InternalError(), cookies=failure_cookies() if failure_cookies else None)
    if response.status_code < 400:
        audit.emit(attempt, "success", "ok")
    else:  # a route that answered an error itself (e.g. refresh clearing cookies)
        body = response.body if isinstance(response.body, dict) else {}
        found = body.get("error", {})  # ours: {"error": {"code"}}; OAuth's: {"error": "invalid_grant"}
        audit.emit(attempt, "failure", str(found.get("code") if isinstance(found, dict) else found)
                   if found else str(response.status_code), failure)
    return response
