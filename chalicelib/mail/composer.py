"""Emails from templates: a subject, a plain-text part and an HTML part per kind.

Templates are Jinja2 files in ``templates/`` (``<kind>.subject.txt``,
``<kind>.txt``, ``<kind>.html``). A stage's ``SESAME_TEMPLATE_DIR`` is searched
first, so a deployment overrides one file without copying the rest. Strings
come from ``chalicelib.i18n`` through ``t(key, **values)``; in HTML every value
is escaped (autoescape), in text nothing is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from chalicelib import i18n
from chalicelib.config import brand, settings

if TYPE_CHECKING:
    from jinja2 import Environment

KINDS = ("sign_in", "sign_up", "no_account", "invitation", "new_device", "passkey_added", "account_secured",
         "step_up", "address_change", "address_taken", "passkey_removed", "address_changed", "account_deleted")
_DEFAULTS = Path(__file__).resolve().parent / "templates"
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Email:
    subject: str
    text: str
    html: str


@lru_cache(maxsize=4)
def _environments(override: str) -> tuple[Environment, Environment]:
    # Jinja2 is imported on first use: it is a third of the API's cold import, and most calls send no email.
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    loader = FileSystemLoader([override, str(_DEFAULTS)] if override else [str(_DEFAULTS)])
    # StrictUndefined: a misspelt variable fails the render (and the tests), never prints "".
    options: dict[str, Any] = {"loader": loader, "undefined": StrictUndefined, "trim_blocks": True,
                               "lstrip_blocks": True, "keep_trailing_newline": True}
    plain = Environment(autoescape=False, **options)  # noqa: S701 - the text part and subject: no HTML
    return Environment(autoescape=True, **options), plain


def render(name: str, locale: str, /, **values: Any) -> Email:
    """The ``name`` email (one of ``KINDS``) in ``locale``, with ``values`` for its template."""
    if name not in KINDS:
        raise ValueError(name)
    look = brand()
    markup, plain = _environments(look.template_dir)
    # The site that asked, named first in every email (its host: what the reader knows it by).
    context = {"brand": look, "locale": locale, "site": urlsplit(settings().public_url).netloc, **values}
    if "device" in values:  # stored in English; every email speaks its reader's language
        context["device"] = i18n.device(locale, values["device"])
    text_t = partial(i18n.text, locale)
    # One line, whatever a template or a translation holds: a header cannot break.
    subject = _SPACE.sub(" ", plain.get_template(f"{name}.subject.txt").render(t=text_t, **context)).strip()
    return Email(
        subject=subject,
        text=text_t("email.site", site=context["site"]) + "\n\n" + plain.get_template(f"{name}.txt").render(
            t=text_t, **context),
        html=markup.get_template(f"{name}.html").render(t=partial(i18n.markup, locale), subject=subject, **context),
    )


def clear() -> None:
    """Forget loaded templates (tests that change ``SESAME_TEMPLATE_DIR``)."""
    _environments.cache_clear()
