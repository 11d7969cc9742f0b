"""The browser pages in ``frontend/``, served from the API's own origin."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from chalice import Response

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


def page(name: str) -> Response:
    """A file from ``frontend/`` with the security headers every page carries."""
    suffix = Path(name).suffix
    return Response(_read(name), status_code=200,
                    headers={**SECURITY_HEADERS, "Content-Type": _TYPES[suffix]})
