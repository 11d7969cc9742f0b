"""chalicelib.i18n: complete catalogs, every key used, and locale negotiation."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from chalicelib import errors, i18n, pages
from chalicelib.mail import composer
from devstack.stack import LocalStack

ROOT = Path(__file__).resolve().parents[2]
SCRIPT_KEY = re.compile(r"""["'`]((?:js|error)\.[a-z_.]+)["'`]""")
SAMPLE = {"kind": "sign_in", "code": "123456", "link": "https://example.com/sign-in/link#token=t", "minutes": 10,
          "device": "Firefox on Linux", "when": "now", "ip": "192.0.2.1", "name": "My key", "sessions": 2,
          "passkeys": ["Phone"], "new_address": "new@example.com", "days": 7, "inviter": "", "home": "https://x/"}


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", text))


def _keys_used_by_templates(monkeypatch: pytest.MonkeyPatch, rebrand: Any) -> set[str]:
    """Every key the email and page templates look up, in every locale, with and without the optional settings."""
    used: set[str] = set()
    for name in ("text", "markup"):
        original = getattr(i18n, name)

        def recording(locale: str, key: str, /, _original: Any = original, **values: object) -> Any:
            used.add(key)
            return _original(locale, key, **values)

        monkeypatch.setattr(i18n, name, recording)
    for options in ({}, {"SESAME_CODE_IN_SUBJECT": "1", "SESAME_SUPPORT_EMAIL": "help@example.com"}):
        rebrand(**options)
        for locale in i18n.available():
            for label in ("Firefox on Windows", i18n.UNKNOWN_DEVICE):  # how emails and pages name a device
                i18n.device(locale, label)
            for kind in composer.KINDS:
                composer.render(kind, locale, **{**SAMPLE, "kind": kind})
            composer.render("invitation", locale, **{**SAMPLE, "inviter": "Ada"})  # the named inviter's line
            composer.render("new_device", locale, **{**SAMPLE, "approved": True})  # a sign-in approved elsewhere
            for page in pages.PAGES:
                for purpose in pages.PURPOSES if page == "confirm.html" else ("",):
                    pages.render(page, locale, purpose)
    return used


def _error_codes() -> set[str]:
    def all_subclasses(cls: type) -> list[type]:
        return [cls, *[s for sub in cls.__subclasses__() for s in all_subclasses(sub)]]
    return {cls.code for cls in all_subclasses(errors.ApiError)}  # type: ignore[attr-defined]


def test_english_and_german_are_there() -> None:
    assert i18n.available()[0] == "en" and "de" in i18n.available()


@pytest.mark.parametrize("locale", i18n.available())
def test_every_catalog_has_exactly_the_english_keys_and_placeholders(locale: str) -> None:
    english, other = i18n.catalog("en"), i18n.catalog(locale)
    assert set(other) == set(english), f"missing: {set(english) - set(other)}, extra: {set(other) - set(english)}"
    for key, text in english.items():
        assert _placeholders(other[key]) == _placeholders(text), key
        assert other[key].strip(), key


def test_every_key_is_used_and_every_used_key_exists(monkeypatch: pytest.MonkeyPatch, rebrand: Any) -> None:
    script = {key for path in (ROOT / "frontend").glob("*.js") for key in SCRIPT_KEY.findall(path.read_text())}
    errors_shown = {f"error.{code}" for code in _error_codes()}
    used = _keys_used_by_templates(monkeypatch, rebrand) | script | errors_shown
    catalog = set(i18n.catalog("en"))
    assert used - catalog == set(), "keys used but in no catalog"
    assert catalog - used == set(), "keys in the catalog that nothing uses"


def test_an_unknown_key_is_an_error() -> None:
    with pytest.raises(i18n.UnknownKey):
        i18n.text("en", "no.such.key")


def test_markup_escapes_the_string_and_its_values_but_not_markup(stack: LocalStack) -> None:
    html = i18n.markup("en", "js.change_sent", email="<b>&</b>")
    assert str(html) == "We sent a code to &lt;b&gt;&amp;&lt;/b&gt;. Enter it below."
    assert str(i18n.markup("en", "page.code.lead", email=pages.element("strong", "sent-to"))) == \
        'We sent a code and a link to <strong id="sent-to"></strong>.'


@pytest.mark.parametrize(("header", "explicit", "expected"), [
    ("de-DE,de;q=0.9,en;q=0.8", None, "de"),
    ("en-GB,en;q=0.9", None, "en"),
    ("fr-CH, fr;q=0.9, de;q=0.5", None, "de"),  # the best we have, not the first asked
    ("en;q=0.5, de;q=0.9", None, "de"),  # by weight, not order
    ("de;q=0, en", None, "en"),  # q=0: "not this one"
    ("DE_at", None, "de"),
    ("fr, es", None, "en"),  # unknown: English
    ("", None, "en"),
    (None, None, "en"),
    ("*", None, "en"),
    ("x" * 600, None, "en"),  # oversized: ignored whole
    ("de;q=abc, ;;;, \u00e9", None, "en"),  # malformed ranges ignored
    ("en", "de-AT", "de"),  # the explicit field wins
    ("de", "fr", "de"),  # an explicit tag we lack falls back to the header
    ("en", "<script>", "en"),
])
def test_negotiation(header: str | None, explicit: str | None, expected: str) -> None:
    assert i18n.negotiate(header, explicit) == expected


def test_only_sixteen_preferences_are_read() -> None:
    header = ", ".join(["fr"] * 16 + ["de"])
    assert i18n.negotiate(header) == "en"


def test_moments_are_written_the_way_each_language_writes_them() -> None:
    moment = 1_796_000_000  # 2026-11-30 00:53:20 UTC
    assert "November" in i18n.when("en", moment) and "UTC" in i18n.when("en", moment)
    assert i18n.when("de", moment).startswith("30. November 2026")
