"""The browser pages in ``frontend/``, served from the API's own origin."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from chalice import Response

from chalicelib import errors, limits
from chalicelib.config import settings

# In Lambda the files arrive through vendor/frontend (a symlink chalice follows).
_ROOT = Path(__file__).resolve().parent.parent / "frontend"
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
    return (_ROOT / name).read_text(encoding="utf-8")


ASSETS = frozenset({"app.js", "style.css", "favicon.svg"})


def asset(name: str) -> Response:
    """One of the few static files; anything else is a 404 (no request path is ever joined)."""
    if name not in ASSETS:
        raise errors.NotFound()
    return page(name)


def public_config() -> dict[str, Any]:
    count, seconds = limits.limits()["sign_in_email_minute"]
    cooldown = -(-seconds // count)  # the wait the server enforces between two emails
    return {"resend_cooldown": cooldown, "dev_mailbox": settings().dev_mailbox}


def page(name: str, *, head: bool = False) -> Response:
    """A file from ``frontend/`` with the security headers every page carries
    (no body for HEAD: Chalice's local server would otherwise send one)."""
    suffix = Path(name).suffix
    return Response("" if head else _read(name), status_code=200,
                    headers={**SECURITY_HEADERS, "Content-Type": _TYPES[suffix]})
