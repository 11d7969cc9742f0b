"""Lambda authorizers for API Gateway, reading Sesame's cookie or a bearer token.

- REST API, ``TOKEN`` type: ``rest_token_authorizer(verifier)``. Its token
  source is one header: ``Authorization`` (a bearer token) or ``Cookie``.
- REST API, ``REQUEST`` type: ``rest_request_authorizer(verifier)``, with
  ``Authorization`` and/or ``Cookie`` as identity sources.
- HTTP API, payload format 2.0 with simple responses: ``http_authorizer(verifier)``.

>>> handler = rest_request_authorizer(CognitoJwtVerifier(pool, client, "access"))

REST answers are IAM policies. A token that does not verify raises
``Unauthorized``, which API Gateway turns into 401 (a Deny policy would be a
403, the answer for "known, but not allowed"). The Allow covers every method of
the stage, not only ``methodArn``: API Gateway caches the policy per token for
the authorizer's TTL and applies it to the next routes that token calls.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sesame_verify.errors import TokenError
from sesame_verify.headers import Verifier, verify_request

Handler = Callable[[Mapping[str, Any], Any], dict[str, Any]]


class Unauthorized(Exception):  # API Gateway answers 401 for exactly the message "Unauthorized"
    """Raised by a REST authorizer for a request without a valid token."""

    def __init__(self) -> None:
        super().__init__("Unauthorized")


def _context(claims: Mapping[str, Any]) -> dict[str, str]:
    """What the integration sees in ``requestContext.authorizer``: strings only, as API Gateway allows."""
    keys = ("sub", "username", "token_use", "scope", "client_id", "aud", "origin_jti")
    return {k: claims[k] for k in keys if isinstance(claims.get(k), str)}


def _stage_arn(method_arn: str) -> str:
    # arn:aws:execute-api:{region}:{account}:{api}/{stage}/{verb}/{resource...}
    api_and_stage = method_arn.split("/", 2)[:2]
    if len(api_and_stage) != 2 or not method_arn.startswith("arn:"):
        raise Unauthorized
    return "/".join(api_and_stage) + "/*/*"


def _allow(claims: Mapping[str, Any], method_arn: str) -> dict[str, Any]:
    statement = {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": [_stage_arn(method_arn)]}
    return {"principalId": claims["sub"], "policyDocument": {"Version": "2012-10-17", "Statement": [statement]},
            "context": _context(claims)}


def rest_token_authorizer(verifier: Verifier) -> Handler:
    """A handler for a REST ``TOKEN`` authorizer whose token source is ``Authorization`` or ``Cookie``."""
    return _rest(verifier, _token_source)


def rest_request_authorizer(verifier: Verifier) -> Handler:
    """A handler for a REST ``REQUEST`` authorizer (reads the ``Authorization`` and ``Cookie`` headers)."""
    return _rest(verifier, _headers)


def _rest(verifier: Verifier, headers_of: Callable[[Mapping[str, Any]], Mapping[str, Any]]) -> Handler:
    def handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
        try:
            claims = verify_request(headers_of(event), verifier)
        except TokenError:
            raise Unauthorized from None
        return _allow(claims, str(event.get("methodArn", "")))
    return handler


def _token_source(event: Mapping[str, Any]) -> Mapping[str, Any]:
    value = event.get("authorizationToken")
    # The one header's value: "Bearer <token>", or a whole Cookie header.
    return {"authorization": value, "cookie": value} if isinstance(value, str) else {}


def http_authorizer(verifier: Verifier) -> Handler:
    """A handler for an HTTP API authorizer, payload format 2.0, simple responses."""
    def handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
        headers = dict(_headers(event))
        cookies = event.get("cookies")
        if isinstance(cookies, list) and all(isinstance(c, str) for c in cookies):
            # Format 2.0 moves the Cookie header into "cookies".
            headers["cookie"] = "; ".join(cookies)
        try:
            claims = verify_request(headers, verifier)
        except TokenError:
            return {"isAuthorized": False}
        return {"isAuthorized": True, "context": _context(claims)}
    return handler


def _headers(event: Mapping[str, Any]) -> Mapping[str, Any]:
    headers = event.get("headers")
    return headers if isinstance(headers, Mapping) else {}

