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
ID = "__Host-sesame-id"
REFRESH = "__Secure-sesame-refresh"
FLOW_MAX_AGE = 600


def build(name: str, value: str, *, max_age: int, path: str = "/", same_site: str = "Lax") -> str:
    """One Set-Cookie value with Sesame's fixed attributes."""
    jar: SimpleCookie = SimpleCookie()
    jar[name] = value
    morsel = jar[name]
    morsel["path"] = path
    morsel["max-age"] = str(max_age)
    morsel["secure"] = True
    morsel["httponly"] = True
    morsel["samesite"] = same_site
    return morsel.OutputString()


def refresh_path() -> str:
    return f"{settings().cookie_path_prefix}/auth"


def flow(challenge_id: str) -> str:
    return build(FLOW, challenge_id, max_age=min(settings().code_ttl, FLOW_MAX_AGE), same_site="Strict")


def session(access: str, access_max_age: int, id_token: str, id_max_age: int,
            refresh: str | None, refresh_max_age: int) -> list[str]:
    found = [build(ACCESS, access, max_age=access_max_age),
             build(ID, id_token, max_age=id_max_age)]
    if refresh:
        found.append(build(REFRESH, refresh, max_age=refresh_max_age, path=refresh_path(),
                           same_site="Strict"))
    return found


def clear(*names: str) -> list[str]:
    """Expire cookies: same name, path and attributes, empty value, Max-Age=0."""
    out = []
    for name in names:
        path = refresh_path() if name == REFRESH else "/"
        same_site = "Strict" if name in (FLOW, REFRESH) else "Lax"
        out.append(build(name, "", max_age=0, path=path, same_site=same_site))
    return out
