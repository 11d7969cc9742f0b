"""Find the token in a request: ``Authorization: Bearer`` first, then the cookie.

Works with any framework's headers: a plain or case-insensitive mapping
(Flask, Starlette/FastAPI, Chalice, Django's ``request.headers``), a WSGI
environ (``HTTP_COOKIE``), or an ASGI scope's list of byte pairs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from sesame_verify.errors import MissingTokenError, RevocationUnavailableError, TokenError

ACCESS_COOKIE = "__Host-sesame-access"
MAX_HEADER_BYTES = 16 * 1024

Headers = Mapping[str, Any] | Iterable[tuple[Any, Any]]

class Verifier(Protocol):
    """``CognitoJwtVerifier`` or ``MultiIssuerVerifier``."""

    @property
    def token_use(self) -> str | None: ...

    def verify(self, token: str) -> dict[str, Any]: ...


#: What every framework helper answers when the token does not verify: the
#: same body and headers whatever the reason, so a client learns nothing.
UNAUTHENTICATED_STATUS = 401
UNAUTHENTICATED_BODY = {"error": {"code": "unauthenticated", "message": "Sign in to continue."}}
UNAUTHENTICATED_HEADERS = {"WWW-Authenticate": "Bearer", "Cache-Control": "no-store"}
#: What they answer when the revocation check could not be made (fail closed):
#: signing in again would not help, so not a 401.
UNAVAILABLE_STATUS = 503
UNAVAILABLE_BODY = {"error": {"code": "unavailable", "message": "Try again in a moment."}}
UNAVAILABLE_HEADERS = {"Retry-After": "5", "Cache-Control": "no-store"}


def refusal(exc: TokenError) -> tuple[int, dict[str, Any], dict[str, str]]:
    """(status, JSON body, headers) for a token that did not verify."""
    if isinstance(exc, RevocationUnavailableError):
        return UNAVAILABLE_STATUS, UNAVAILABLE_BODY, dict(UNAVAILABLE_HEADERS)
    return UNAUTHENTICATED_STATUS, UNAUTHENTICATED_BODY, dict(UNAUTHENTICATED_HEADERS)


def header(headers: Headers, name: str) -> str | None:
    """One header's value, looked up case-insensitively, or None."""
    name = name.lower()
    getter = getattr(headers, "get", None)
    if getter is not None:  # a mapping, or a mapping-like Headers (werkzeug's is no Mapping)
        for key in (name, name.title(), "HTTP_" + name.upper().replace("-", "_")):
            value = getter(key)
            if isinstance(value, str):
                return value
    items = headers.items() if hasattr(headers, "items") else headers
    for key, value in items:
        if isinstance(key, bytes) and isinstance(value, bytes):  # an ASGI scope's pairs
            key, value = key.decode("latin-1"), value.decode("latin-1")
        if isinstance(key, str) and key.lower() == name and isinstance(value, str):
            return value
    return None


def cookie_values(headers: Headers, name: str) -> list[str]:
    """Every value cookie ``name`` has in the Cookie header, in order.

    Parsed as browsers send it (RFC 6265 section 5.4): pairs split on ``;``, each
    at its first ``=``, whitespace trimmed. A pair that does not parse is skipped,
    never the rest of the header (``http.cookies`` stops at the first one it cannot
    read, so one foreign cookie such as ``g_state={"i_l":0}`` hid every other).
    """
    raw = header(headers, "cookie")
    if not raw or len(raw) > MAX_HEADER_BYTES:
        return []
    found = []
    for pair in raw.split(";"):
        key, equals, value = pair.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        if equals and key.strip() == name and value:
            found.append(value)
    return found


def cookie(headers: Headers, name: str) -> str | None:
    """The value of cookie ``name``, or None when it is absent or sent twice with
    different values: another site on a sibling domain can add a cookie of the
    same name, and picking one would be picking the attacker's half the time."""
    values = set(cookie_values(headers, name))
    return values.pop() if len(values) == 1 else None


def token_from_headers(headers: Headers, cookie_name: str | None = ACCESS_COOKIE) -> str | None:
    """The bearer token, else the named cookie's value (``None``: no cookie), else None."""
    auth = header(headers, "authorization")
    if auth:
        scheme, _, value = auth.strip().partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
    return cookie(headers, cookie_name) if cookie_name else None


def verify_request(headers: Headers, verifier: Verifier, *, cookie_name: str | None = None) -> dict[str, Any]:
    """Verify the request's token with ``verifier``; its claims, or a ``TokenError``.

    The cookie defaults to Sesame's access cookie for an access-token verifier;
    an ID token comes only as a bearer token (Sesame sets no ID cookie), or from
    ``cookie_name``.
    """
    default = ACCESS_COOKIE if verifier.token_use == "access" else None
    token = token_from_headers(headers, cookie_name or default)
    if not token:
        raise MissingTokenError("no token in the request")
    return verifier.verify(token)
