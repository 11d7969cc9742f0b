"""The OAuth endpoints in the OpenAPI document (``chalicelib.openapi`` adds them).

Their errors are OAuth's (RFC 6749 §5.2), not Sesame's ``{"error": {"code"}}``."""

from __future__ import annotations

from typing import Any

from chalicelib.oauth import metadata
from chalicelib.oauth.clients import DEVICE_CODE_GRANT_TYPE

FORM = "application/x-www-form-urlencoded"
_STR = {"type": "string"}
_ERROR = {"type": "object", "required": ["error"], "properties": {
    "error": {"enum": ["invalid_request", "invalid_client", "invalid_grant", "unauthorized_client",
                       "unsupported_grant_type", "invalid_scope", "unsupported_token_type",
                       "unsupported_response_type", "access_denied", "authorization_pending", "slow_down",
                       "expired_token", "temporarily_unavailable"]},
    "error_description": _STR}}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Any]:
    return {str(s): _json(_ERROR, "OAuth's error (RFC 6749 section 5.2)") for s in statuses}


def _form(properties: dict[str, Any], required: tuple[str, ...]) -> dict[str, Any]:
    return {"required": True, "content": {FORM: {"schema": {
        "type": "object", "properties": properties, "required": list(required)}}}}


def _post(summary: str, ok: dict[str, Any], properties: dict[str, Any], required: tuple[str, ...],
          limited: bool = False) -> dict[str, Any]:
    return {"summary": summary, "requestBody": _form(properties, required),
            "security": [{}, {"clientBasic": []}],
            "responses": {"200": ok, **_errors(400, 401, *((429,) if limited else ())),
                          "503": {"description": "A dependency failed: try again",
                                  "content": {"application/json": {"schema": {"type": "object"}}}}}}


_PREFLIGHT = {"options": {"summary": "CORS preflight: allowed for registered public clients' origins only",
                          "responses": {"204": {"description": "Allowed"}, "403": _json(_ERROR, "Not allowed")}}}


def paths() -> dict[str, Any]:
    token = {"token": _STR, "token_type_hint": {"enum": ["access_token", "refresh_token"]}}
    discovery = {"get": {"summary": "Authorization server metadata (RFC 8414)",
                         "responses": {"200": _json({"type": "object", "required": ["issuer", "token_endpoint"]},
                                                    "The metadata")}}, **_PREFLIGHT}
    query = [{"name": n, "in": "query", "required": n in ("client_id", "response_type"), "schema": _STR}
             for n in ("response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge",
                       "code_challenge_method")]
    return {
        **{path: discovery for path in metadata.PATHS},
        "/oauth/authorize": {"get": {
            "summary": "Authorization code + S256 PKCE: signs the browser in on Sesame's page if need be, then "
                       "redirects to the client's registered redirect URI with code and state (or an error)",
            "parameters": query,
            "responses": {"302": {"description": "To the client (code or error) or to the sign-in page",
                                  "headers": {"Location": {"schema": _STR}}}, **_errors(400, 401)}}},
        "/oauth/token": {"post": _post(
            "Exchange a code (with its PKCE verifier) or a refresh token for Cognito's tokens",
            _json({"type": "object", "required": ["access_token", "token_type", "expires_in"], "properties": {
                "access_token": _STR, "token_type": _STR, "expires_in": {"type": "integer"}, "scope": _STR,
                "refresh_token": _STR, "id_token": _STR}}, "Tokens"),
            {"grant_type": {"enum": ["authorization_code", "refresh_token", DEVICE_CODE_GRANT_TYPE]}, "code": _STR,
             "redirect_uri": _STR, "code_verifier": _STR, "refresh_token": _STR, "device_code": _STR,
             "client_id": _STR, "scope": _STR}, ("grant_type",)),
            **_PREFLIGHT},
        "/oauth/device_authorization": {"post": _post(
            "Device authorization (RFC 8628 section 3.1): a user code to approve on verification_uri, and the "
            "number to pick there (match_number); then poll /oauth/token with the device_code",
            _json({"type": "object", "required": ["device_code", "user_code", "verification_uri", "expires_in",
                                                  "match_number"], "properties": {
                "device_code": _STR, "user_code": _STR, "verification_uri": _STR, "verification_uri_complete": _STR,
                "expires_in": {"type": "integer"}, "interval": {"type": "integer"}, "match_number": _STR}},
                  "The codes"), {"client_id": _STR, "scope": _STR}, ("client_id",), limited=True), **_PREFLIGHT},
        "/oauth/revoke": {"post": _post("Revoke a token (RFC 7009): its session ends",
                                        _json({"type": "object"}, "Revoked, or not the client's token"),
                                        {**token, "client_id": _STR}, ("token",)), **_PREFLIGHT},
        "/oauth/introspect": {"post": _post(
            "Is this token's session live? (RFC 7662; confidential clients: the stage's resource servers)",
            _json({"type": "object", "required": ["active"], "properties": {"active": {"type": "boolean"}}},
                  "The answer"), token, ("token",))},
    }


SECURITY_SCHEMES = {"clientBasic": {"type": "http", "scheme": "basic",
                                    "description": "A confidential client's id and secret (client_secret_basic)"}}
