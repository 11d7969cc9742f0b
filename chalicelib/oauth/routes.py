"""The OAuth endpoints, as a Chalice blueprint (``app.py`` registers it).

These answer in OAuth's own format (RFC 6749 §5.2: ``{"error": "invalid_grant",
"error_description": ...}``), which client libraries parse, not in Sesame's.
Requests are form-encoded and size-limited before parsing; a parameter sent
twice is refused (RFC 6749 §3.1). Only the token, revocation and discovery
endpoints answer CORS, and only for the origins of registered public clients.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote

from chalice import Blueprint, Response
from chalice.app import Request as ChaliceRequest

from chalicelib import errors, limits, sessions, web
from chalicelib.oauth import clients, metadata

if TYPE_CHECKING:
    from chalicelib.oauth.server import Reply, Request, Server

blueprint = Blueprint(__name__)
ANY = web.ANY_CONTENT_TYPE
MAX_FORM_BYTES = 8 * 1024  # a Cognito refresh token is under 2 KB
FORM_TYPE = "application/x-www-form-urlencoded"
PREFLIGHT_MAX_AGE = "600"


def _current() -> ChaliceRequest:
    request = blueprint.current_request
    assert request is not None
    return request


class BadForm(Exception):
    pass


MAX_PARAM = 4096
# Values Authlib may quote in an error_description, whose characters RFC 6749 §5.2 restricts.
_ECHOED = ("response_type", "grant_type", "token_type_hint", "code_challenge_method")


def _params(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """One value per name, each printable ASCII (RFC 6749 Appendix A's VSCHAR) and bounded."""
    found: dict[str, str] = {}
    for name, value in pairs:
        if name in found:
            raise BadForm(f"Parameter '{name}' is sent more than once.")
        if len(value) > MAX_PARAM or not all(" " <= c <= "~" for c in name + value):
            raise BadForm("Parameters must be printable ASCII, at most 4096 characters each.")
        if name in _ECHOED and ('"' in value or "\\" in value):
            raise BadForm(f"Parameter '{name}' has a character it cannot have.")
        found[name] = value
    return found


def _form(request: ChaliceRequest) -> dict[str, str]:
    raw = request.raw_body or b""
    raw = raw.encode("utf-8") if isinstance(raw, str) else raw
    declared = request.headers.get("content-length", "0")
    if len(raw) > MAX_FORM_BYTES or (declared.isdigit() and int(declared) > MAX_FORM_BYTES):
        raise BadForm("The request body is too large.")
    if request.headers.get("content-type", "").split(";", 1)[0].strip().lower() != FORM_TYPE:
        raise BadForm(f"The body must be {FORM_TYPE}.")
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(raw))
    except (UnicodeDecodeError, ValueError):
        raise BadForm("The body is not a valid form.")
    return _params(pairs)


def _query(request: ChaliceRequest) -> dict[str, str]:
    query = request.query_params
    pairs = [(name, value) for name in (query or {}) for value in query.getlist(name)] if query else []
    return _params(pairs)


def _respond(reply: Reply, cors_origin: str | None = None) -> Response:
    status, body, headers = reply
    extra = dict(headers)
    extra.pop("Content-Type", None)
    if cors_origin:
        extra.update({"Access-Control-Allow-Origin": cors_origin, "Vary": "Origin"})
    if status == 401 and "WWW-Authenticate" not in extra:
        extra["WWW-Authenticate"] = 'Basic realm="sesame"'
    if status == 302:
        return web.respond(302, None, headers=extra)
    return web.respond(status, body if isinstance(body, dict) else json.loads(body or "{}"), headers=extra)


def _invalid(description: str, status: int = 400, error: str = "invalid_request") -> Response:
    return web.respond(status, {"error": error, "error_description": description})


def _oauth_request(request: ChaliceRequest, params: dict[str, str]) -> Request:
    from chalicelib.oauth.server import Request  # Authlib loads on the first OAuth request, not at cold start

    path = request.context.get("path", "/") if request.context else "/"
    return Request(request.method, path, request.headers, params, web.source_ip(request))


def server() -> Server:
    from chalicelib.oauth.server import server

    return server()


def _signed_in(request: ChaliceRequest) -> Any:
    try:
        return sessions.current(request.headers).record
    except errors.Unauthenticated:
        return None


@blueprint.route("/oauth/authorize", methods=["GET"], content_types=ANY)
@web.audited(blueprint, "oauth.authorized", "oauth.authorize_failed", method="oauth")
def authorize() -> Response:
    """Sign the browser in on Sesame's page if need be, then send a code to the client."""
    request = _current()
    try:
        params = _query(request)
    except BadForm as exc:
        return _invalid(str(exc))
    from authlib.oauth2 import OAuth2Error

    oauth_request = _oauth_request(request, params)
    srv = server()
    try:
        grant = srv.get_consent_grant(oauth_request)
    except OAuth2Error as error:  # to the client's redirect URI only when that URI is valid (Authlib decides)
        return _respond(srv.handle_error_response(oauth_request, error))
    user = _signed_in(request)
    if user is None:  # back here after signing in: the page follows ``redirect``
        here = "/oauth/authorize?" + "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in params.items())
        return web.respond(302, None, headers={"Location": f"/?redirect={quote(here, safe='')}"})
    return _respond(srv.create_authorization_response(oauth_request, grant_user=user, grant=grant))


def _cors_for_client(request: ChaliceRequest, params: dict[str, str]) -> tuple[str | None, Response | None]:
    """The Origin to allow, or the refusal of a browser request from an origin the client
    was not registered for (a public client's refresh from another site, say)."""
    origin = request.headers.get("origin")
    if origin is None:
        return None, None
    client = clients.get(params.get("client_id") or _basic_client_id(request))
    if client is None or not client.public or origin.lower() not in client.origins:
        return None, _invalid("This client is not registered for this origin.", 401, "invalid_client")
    return origin, None


def _basic_client_id(request: ChaliceRequest) -> str | None:
    from authlib.oauth2.rfc6749.util import extract_basic_authorization

    client_id = extract_basic_authorization(request.headers)[0]
    return str(client_id) if client_id else None


def _endpoint(name: str) -> Response:
    request = _current()
    try:
        params = _form(request)
    except BadForm as exc:
        return _invalid(str(exc))
    origin, refused = _cors_for_client(request, params)
    if refused is not None:
        return refused
    oauth_request = _oauth_request(request, params)
    srv = server()
    if name == "token":
        return _respond(srv.create_token_response(oauth_request), origin)
    return _respond(srv.create_endpoint_response(name, oauth_request), origin)


@blueprint.route("/oauth/token", methods=["POST"], content_types=ANY)
@web.audited(blueprint, "oauth.token", "oauth.token_failed", method="oauth")
def token() -> Response:
    return _endpoint("token")


@blueprint.route("/oauth/device_authorization", methods=["POST"], content_types=ANY)
@web.audited(blueprint, "oauth.device_authorized", "oauth.device_authorize_failed", method="device")
def device_authorization() -> Response:
    """RFC 8628 §3.1: a device asks for a user code (``chalicelib.oauth.device``)."""
    try:
        limits.hit(limits.Bucket("approval_start_ip", web.source_ip(_current())))
    except errors.RateLimited as exc:  # in OAuth's format, as every answer here (RFC 6749 §4.1.2.1's code)
        return web.respond(429, {"error": "temporarily_unavailable",
                                 "error_description": "Too many device codes from this address."},
                           headers=exc.headers)
    return _endpoint("device_authorization")


@blueprint.route("/oauth/revoke", methods=["POST"], content_types=ANY)
@web.audited(blueprint, "oauth.revoked", "oauth.revoke_failed", method="oauth")
def revoke() -> Response:
    return _endpoint("revocation")


@blueprint.route("/oauth/introspect", methods=["POST"], content_types=ANY)
@web.audited(blueprint, "oauth.introspected", "oauth.introspect_failed", method="oauth")
def introspect() -> Response:
    if _current().headers.get("origin") is not None:  # resource servers only, never a browser
        return _invalid("Introspection is for resource servers.", 401, "invalid_client")
    return _endpoint("introspection")


def _preflight() -> Response:
    """CORS preflight: allowed for the registered public clients' origins, refused otherwise."""
    origin = _current().headers.get("origin", "")
    if origin.lower() not in clients.allowed_origins():
        return web.respond(403, {"error": "invalid_request", "error_description": "Origin not allowed."})
    return web.respond(204, None, headers={
        "Access-Control-Allow-Origin": origin, "Access-Control-Allow-Methods": "GET, POST",
        "Access-Control-Allow-Headers": "Content-Type", "Access-Control-Max-Age": PREFLIGHT_MAX_AGE,
        "Vary": "Origin"})


for _path in ("/oauth/token", "/oauth/revoke", "/oauth/device_authorization", *metadata.PATHS):
    blueprint.route(_path, methods=["OPTIONS"], content_types=ANY, name=f"preflight{_path.replace('/', '_')}")(
        _preflight)


def _discovery() -> Response:
    origin = _current().headers.get("origin")
    allowed = origin if origin and origin.lower() in clients.allowed_origins() else None
    headers = {"Access-Control-Allow-Origin": allowed, "Vary": "Origin"} if allowed else {}
    return web.respond(200, metadata.document(), headers=headers)


for _path in metadata.PATHS:
    blueprint.route(_path, methods=["GET"], content_types=ANY, name=f"discovery{_path.replace('/', '_')}")(_discovery)
