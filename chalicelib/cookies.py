"""Sesame's cookies, built with ``http.cookies``.

Tokens live only here: HttpOnly (no script reads them), Secure, SameSite.
``__Host-`` cookies are host-wide (Path=/, no Domain); the refresh cookie
is ``__Secure-`` so it can be limited to the auth routes.
"""

from __future__ import annotations

from http.cookies import SimpleCookie

from chalicelib.config import settings

FLOW = "__Host-sesame-flow"
ACCESS = "__Host-sesame-access"
ID = "__Host-sesame-id"  # no longer set (it held the address); still cleared
REFRESH = "__Secure-sesame-refresh"
WEBAUTHN = "__Host-sesame-webauthn"  # binds a passkey ceremony's challenge to this browser
APPROVAL = "__Host-sesame-approval"  # binds a "sign in with your phone" request to the browser that waits
FLOW_MAX_AGE = 600


def _attributes(name: str) -> tuple[str, str]:
    """(Path, SameSite) of each cookie: one table, so clearing always matches setting."""
    if name == REFRESH:
        return f"{settings().cookie_path_prefix}/auth", "Strict"
    return "/", "Strict" if name in (FLOW, WEBAUTHN, APPROVAL) else "Lax"


def build(name: str, value: str, *, max_age: int) -> str:
    """One Set-Cookie value with the cookie's fixed attributes."""
    path, same_site = _attributes(name)
    jar: SimpleCookie = SimpleCookie()
    jar[name] = value
    morsel = jar[name]
    morsel["path"] = path
    morsel["max-age"] = str(max_age)
    morsel["secure"] = True
    morsel["httponly"] = True
    morsel["samesite"] = same_site
    return morsel.OutputString()


def flow(challenge_id: str) -> str:
    return build(FLOW, challenge_id, max_age=min(settings().code_ttl, FLOW_MAX_AGE))


def session(access: str, access_max_age: int, refresh: str | None, refresh_max_age: int) -> list[str]:
    """The session's cookies: never the ID token, which carries the address in clear."""
    found = [build(ACCESS, access, max_age=access_max_age)]
    if refresh:
        found.append(build(REFRESH, refresh, max_age=refresh_max_age))
    return found


def clear(*names: str) -> list[str]:
    """Expire cookies: same name, path and attributes, empty value, Max-Age=0."""
    return [build(name, "", max_age=0) for name in names]
