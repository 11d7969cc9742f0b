"""The browser pages in ``frontend/``, served from the API's own origin."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from chalice import Response

from chalicelib import limits
from chalicelib.config import settings

# In Lambda the files arrive through vendor/frontend (a symlink chalice follows).
_ROOTS = (Path(__file__).resolve().parent.parent / "frontend",)
_TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
          ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml"}
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self'; "
                                "img-src 'self' data:; frame-src 'self'; frame-ancestors 'none'; "
                                "base-uri 'none'; form-action 'self'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@lru_cache(maxsize=32)
def _read(name: str) -> str:
    for root in _ROOTS:
        path = root / name
        if path.is_file():
            return path.read_text(encoding="utf-8")
    raise FileNotFoundError(name)


ASSETS = frozenset({"app.js", "style.css", "favicon.svg"})


def asset(name: str) -> Response:
    """One of the few static files; anything else is a 404 (no path is ever joined)."""
    if name not in ASSETS:
        return Response({"error": {"code": "not_found", "message": "Not found."}}, status_code=404,
                        headers={"Content-Type": "application/json", "Cache-Control": "no-store"})
    return page(name)


def public_config() -> dict[str, Any]:
    count, seconds = limits.limits()["sign_in_email_minute"]
    cooldown = -(-seconds // count)  # the wait the server enforces between two emails
    return {"resend_cooldown": cooldown, "dev_mailbox": settings().dev_mailbox,
            "code_length": 6, "code_ttl": settings().code_ttl}


def page(name: str, *, head: bool = False) -> Response:
    """A file from ``frontend/`` with the security headers every page carries
    (no body for HEAD: Chalice's local server would otherwise send one)."""
    suffix = Path(name).suffix
    return Response("" if head else _read(name), status_code=200,
                    headers={**SECURITY_HEADERS, "Content-Type": _TYPES[suffix]})
