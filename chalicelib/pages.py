"""The browser pages in ``frontend/``, served from the API's own origin.

The pages are Jinja2 templates rendered in the visitor's language
(``Accept-Language``, negotiated by ``chalicelib.i18n``): their markup, and the
strings their script shows (``js.*`` and ``error.*``, as a JSON block).
"""

from __future__ import annotations

from functools import lru_cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chalice import Response
from markupsafe import Markup, escape

from chalicelib import errors, i18n, limits, web
from chalicelib.config import brand, settings

if TYPE_CHECKING:
    from jinja2 import Environment

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
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


@lru_cache(maxsize=32)
def _read(name: str) -> str:
    return (_ROOT / name).read_text(encoding="utf-8")


ASSETS = frozenset({"app.js", "common.js", "signin.js", "account.js", "approve.js", "phone.js", "style.css",
                    "favicon.svg"})


def asset(name: str) -> Response:
    """One of the few static files; anything else is a 404 (no request path is ever joined)."""
    if name not in ASSETS:
        raise errors.NotFound()
    return page(name)


def public_config() -> dict[str, Any]:
    count, seconds = limits.limits()["sign_in_email_minute"]
    cooldown = -(-seconds // count)  # the wait the server enforces between two emails
    return {"resend_cooldown": cooldown, "dev_mailbox": settings().dev_mailbox}


PAGES = frozenset({"index.html", "link.html", "not-me.html", "confirm.html", "device.html"})
PURPOSES = ("step_up", "address_change")  # what confirm.html confirms
SCRIPT_KEYS = ("js.", "error.")  # what the scripts look up


@lru_cache(maxsize=1)
def _templates() -> Environment:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined  # on first use, as in mail.composer

    return Environment(loader=FileSystemLoader(str(_ROOT)), autoescape=True, undefined=StrictUndefined)


def element(tag: str, element_id: str, content: str = "", **attributes: str) -> Markup:
    """An element a page puts inside a translated sentence (``{email}`` in "sent to {email}")."""
    attrs = "".join(f' {name}="{escape(value)}"' for name, value in (("id", element_id), *attributes.items()) if value)
    return Markup(f"<{tag}{attrs}>{escape(content)}</{tag}>")  # noqa: S704 - every part escaped


def _script_strings(locale: str) -> dict[str, str]:
    return {key: value for key, value in i18n.catalog(locale).items() if key.startswith(SCRIPT_KEYS)}


def render(name: str, locale: str, purpose: str = "") -> str:
    """Page ``name`` (one of ``PAGES``) in ``locale``; ``purpose``: what confirm.html confirms."""
    return _templates().get_template(name).render(
        t=partial(i18n.markup, locale), locale=locale, brand=brand(), element=element,
        minutes=settings().code_ttl // 60, strings=_script_strings(locale), purpose=purpose,
        sign_up_open=settings().sign_up == "open")


def page(name: str, *, head: bool = False, locale: str = i18n.DEFAULT, purpose: str = "") -> Response:
    """A page or file from ``frontend/`` with the security headers every page carries
    (no body for HEAD: Chalice's local server would otherwise send one)."""
    headers: dict[str, str | list[str]] = {**SECURITY_HEADERS, **web.transport_headers(),
                                           "Content-Type": _TYPES[Path(name).suffix]}
    if name in PAGES:
        headers.update({"Content-Language": locale, "Vary": "Accept-Language"})
        body = "" if head else render(name, locale, purpose)
    else:
        body = "" if head else _read(name)
    return Response(body, status_code=200, headers=headers)
