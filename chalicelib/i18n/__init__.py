"""The languages Sesame speaks: one catalog file per locale in ``locales/``.

A catalog is a flat JSON object of keys to strings with ``{name}``
placeholders. Emails, pages and the pages' script all read from it; adding a
language is adding ``locales/<tag>.json`` (docs/operations.md: Emails and languages). English is the
fallback for an unknown locale, never for a missing key: the test suite fails
on a key one catalog has and another lacks.

Negotiation is Babel's (``negotiate_locale``: exact tag, then its language),
over the preferences of ``Accept-Language`` or an explicit tag.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache, lru_cache
from pathlib import Path

from markupsafe import Markup, escape

DEFAULT = "en"
_DIR = Path(__file__).resolve().parent / "locales"
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
# Sizes are limited before parsing: a header of hundreds of tags is refused whole.
MAX_ACCEPT_LANGUAGE = 512
MAX_PREFERENCES = 16
TAG = re.compile(r"[A-Za-z]{1,8}(?:[-_][A-Za-z0-9]{1,8}){0,3}")
_RANGE = re.compile(r"\s*(\*|" + TAG.pattern + r")\s*(?:;\s*q\s*=\s*([01](?:\.\d{0,3})?))?\s*")


class UnknownKey(KeyError):
    """A string key no catalog has (a bug: tests render every key)."""


@lru_cache(maxsize=1)
def available() -> tuple[str, ...]:
    """The locales with a catalog, English first."""
    tags = sorted(path.stem for path in _DIR.glob("*.json"))
    return (DEFAULT, *[tag for tag in tags if tag != DEFAULT])


@cache
def catalog(locale: str) -> Mapping[str, str]:
    """The strings of ``locale`` (one of ``available()``)."""
    if locale not in available():
        raise LookupError(locale)
    strings = json.loads((_DIR / f"{locale}.json").read_text(encoding="utf-8"))
    return {key: value for key, value in strings.items() if not key.startswith("_")}


def fill(template: str, values: Mapping[str, object]) -> str:
    """``template`` with each ``{name}`` replaced (no format spec, no attribute access)."""
    return _PLACEHOLDER.sub(lambda match: str(values[match.group(1)]), template)


def _string(locale: str, key: str) -> str:
    try:
        return catalog(locale)[key]
    except KeyError:
        raise UnknownKey(key) from None


def text(locale: str, key: str, /, **values: object) -> str:
    """The string ``key`` in ``locale``, placeholders filled."""
    return fill(_string(locale, key), values)


def markup(locale: str, key: str, /, **values: object) -> Markup:
    """``text`` for HTML: the string and each value escaped, except values that
    are ``Markup`` already (an element a page puts inside a sentence)."""
    escaped = {name: escape(value) for name, value in values.items()}
    return Markup(fill(str(escape(_string(locale, key))), escaped))  # noqa: S704 - every part escaped above


def preferences(header: str | None) -> list[str]:
    """The tags of an ``Accept-Language`` header, most wanted first (q=0 dropped,
    malformed ranges ignored, an oversized header ignored whole)."""
    if not header or len(header) > MAX_ACCEPT_LANGUAGE:
        return []
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(header.split(",")[:MAX_PREFERENCES]):
        match = _RANGE.fullmatch(item)
        if not match or match.group(1) == "*":
            continue
        weight = float(match.group(2)) if match.group(2) else 1.0
        if weight > 0:
            ranked.append((-weight, position, match.group(1)))
    return [tag for _, _, tag in sorted(ranked)]


def negotiate(accept_language: str | None = None, explicit: str | None = None) -> str:
    """The locale to speak: the explicit tag if we have it, else the best match
    for ``Accept-Language``, else English."""
    from babel.core import negotiate_locale  # imported on first use: most API calls never need it

    wanted = ([explicit] if explicit and TAG.fullmatch(explicit) else []) + preferences(accept_language)
    # Babel matches case-insensitively but answers in the caller's spelling: map back to ours.
    ours = {tag.lower(): tag for tag in available()}
    found = negotiate_locale([tag.replace("_", "-").lower() for tag in wanted], list(ours), sep="-")
    return ours[found.lower()] if found else DEFAULT


UNKNOWN_DEVICE = "Unknown device"  # what chalicelib.sessions.devices.label says when it cannot tell


def device(locale: str, label: str) -> str:
    """A stored device label ("Chrome on Linux": English, as events and the audit log carry it)
    in ``locale``'s words ("Chrome auf Linux")."""
    if label == UNKNOWN_DEVICE:
        return text(locale, "device.unknown")
    browser, on, system = label.rpartition(" on ")
    return text(locale, "device.on", browser=browser, system=system) if on else label


def when(locale: str, epoch_seconds: int) -> str:
    """A moment as people of ``locale`` write it (UTC, said so)."""
    from babel.dates import format_datetime

    moment = datetime.fromtimestamp(epoch_seconds, tz=UTC)
    return format_datetime(moment, format="long", tzinfo=UTC, locale=locale)
