"""chalicelib.mail: templates, branding, overrides, and what every email must be."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from markupsafe import escape

from chalicelib import i18n, pages
from chalicelib.config import ConfigError, brand
from chalicelib.mail import composer

FACTS = {"code": "493817", "link": "https://example.com/sign-in/link#token=tok&x", "minutes": 10,
         "device": "Evil <script>alert(1)</script> Browser", "when": "30 November 2026", "ip": "192.0.2.7",
         "name": "Key \"one\" & <two>", "sessions": 3, "passkeys": ["Phone <b>"], "new_address": "new@example.org",
         "days": 7, "inviter": "Ada & <Ops>", "home": "https://example.com/"}
# What each email must say, in its text part and its HTML part alike.
SAYS = {"sign_in": ("code", "link"), "sign_up": ("code", "link"), "no_account": (),
        "invitation": ("link", "days", "inviter", "home"),
        "new_device": ("device", "when", "ip", "link"), "passkey_added": ("name", "device", "when"),
        "account_secured": ("link", "sessions"), "step_up": ("code", "link"), "address_change": ("code", "link"),
        "address_taken": (), "passkey_removed": ("name", "device", "when"),
        "address_changed": ("new_address", "when", "link"), "account_deleted": ()}
ALL = [(kind, locale) for kind in composer.KINDS for locale in i18n.available()]


def _render(kind: str, locale: str) -> composer.Email:
    return composer.render(kind, locale, kind=kind, **FACTS)


@pytest.mark.parametrize(("kind", "locale"), ALL)
def test_each_part_says_everything(kind: str, locale: str, rebrand: Any) -> None:
    email = _render(kind, locale)
    assert email.subject and "\n" not in email.subject
    for fact in SAYS[kind]:
        assert str(FACTS[fact]) in email.text, fact
        assert str(escape(FACTS[fact])) in email.html, fact
    assert f'lang="{locale}"' in email.html


@pytest.mark.parametrize(("kind", "locale"), ALL)
def test_html_that_mail_clients_keep(kind: str, locale: str, rebrand: Any) -> None:
    html = _render(kind, locale).html
    assert "<script" not in html.lower() and "<style" not in html.lower()  # clients strip both
    assert 'role="presentation"' in html  # a table layout
    assert "class=" not in html  # styles are inline
    assert "&lt;script&gt;" in html or kind not in ("new_device", "passkey_added")  # values escaped


def test_the_code_stands_alone_next_to_the_word_code(rebrand: Any) -> None:
    email = _render("sign_in", "en")
    assert re.search(r"^\s+493817\s*$", email.text, re.M)  # its own line: copy and autofill
    assert "Your code" in email.text and ">493817</div>" in email.html
    assert "493817" not in email.subject  # off by default: subjects show on lock screens


def test_the_code_in_the_subject_is_a_setting(rebrand: Any) -> None:
    rebrand(SESAME_CODE_IN_SUBJECT="1")
    assert _render("sign_in", "en").subject.startswith("493817 is your")
    assert _render("sign_up", "de").subject.startswith("493817 ist Ihr Code")


def test_branding_replaces_the_product_everywhere(rebrand: Any) -> None:
    rebrand(SESAME_PRODUCT_NAME="Acme Cloud", SESAME_ACCENT_COLOUR="#aa3300", SESAME_SUPPORT_EMAIL="help@acme.test",
            SESAME_LOGO_URL="https://acme.test/logo.png")
    for kind, locale in ALL:
        email = _render(kind, locale)
        for part in (email.subject, email.text, email.html):
            assert "Sesame" not in part
        assert "Acme Cloud" in email.text and "help@acme.test" in email.text
        assert 'src="https://acme.test/logo.png"' in email.html
    assert "background:#aa3300" in _render("sign_in", "en").html
    for page in pages.PAGES:
        for locale in i18n.available():
            rendered = pages.render(page, locale, "step_up")
            assert "Sesame" not in rendered and "Acme Cloud" in rendered


@pytest.mark.parametrize(("name", "value"), [
    ("SESAME_ACCENT_COLOUR", "red"), ("SESAME_ACCENT_COLOUR", "#12345g"),
    ("SESAME_LOGO_URL", "http://acme.test/logo.png"), ("SESAME_LOGO_URL", 'https://a.test/"onload="x'),
    ("SESAME_TEMPLATE_DIR", "no/such/folder"), ("SESAME_PRODUCT_NAME", ""),
])
def test_bad_branding_settings_are_refused(name: str, value: str, rebrand: Any) -> None:
    rebrand(**{name: value})
    with pytest.raises(ConfigError):
        brand()


def test_a_deployment_overrides_one_template(rebrand: Any, tmp_path: Path) -> None:
    (tmp_path / "sign_in.subject.txt").write_text('{{ brand.product }}: {{ t("email.code_label") }} inside\n')
    rebrand(SESAME_TEMPLATE_DIR=str(tmp_path))
    email = _render("sign_in", "de")
    assert email.subject == "Sesame: Ihr Code inside"
    assert "Geben Sie diesen Code" in email.text and "<table" in email.html  # the rest are ours


def test_a_misspelt_variable_fails_the_render(rebrand: Any, tmp_path: Path) -> None:
    (tmp_path / "no_account.txt").write_text("{{ brand.prodcut }}\n")
    rebrand(SESAME_TEMPLATE_DIR=str(tmp_path))
    with pytest.raises(Exception, match="prodcut"):
        _render("no_account", "en")


def test_an_unknown_kind_is_refused(rebrand: Any) -> None:
    with pytest.raises(ValueError):
        composer.render("invoice", "en")


def test_not_suppressed_is_remembered_a_minute_and_a_suppression_is_never_cached(stack: object,
                                                                                  monkeypatch: Any) -> None:
    import time as clock

    from chalicelib import aws as aws_clients
    from chalicelib.mail import outbox

    calls: list[str] = []
    aws_clients.client("sesv2").meta.events.register(
        "before-call.sesv2.GetSuppressedDestination", lambda **_: calls.append("get"))
    assert outbox.suppressed("new@example.com") is None and outbox.suppressed("new@example.com") is None
    assert calls == ["get"]
    aws_clients.client("sesv2").put_suppressed_destination(EmailAddress="gone@example.com", Reason="BOUNCE")
    assert outbox.suppressed("gone@example.com") == "BOUNCE" and outbox.suppressed("gone@example.com") == "BOUNCE"
    assert calls == ["get", "get", "get"]
    later = clock.monotonic() + outbox.NOT_SUPPRESSED_SECONDS + 1
    monkeypatch.setattr(outbox.time, "monotonic", lambda: later)
    outbox.suppressed("new@example.com")
    assert len(calls) == 4


@pytest.mark.parametrize(("locale", "label", "said"), [
    ("en", "Chrome on Linux", "Chrome on Linux"), ("de", "Chrome on Linux", "Chrome auf Linux"),
    ("de", i18n.UNKNOWN_DEVICE, "Unbekanntes Gerät")])
def test_an_email_names_the_device_in_its_readers_language(stack: Any, locale: str, label: str, said: str) -> None:
    email = composer.render("new_device", locale, device=label, when="now", ip="192.0.2.1",
                            link="https://example.com/not-me#token=t")
    assert said in email.text and said in email.html


LINK = "https://example.com/sign-in/link#token=t"
VALUES = {"code": "123456", "link": LINK, "minutes": 10, "device": "Firefox on Linux", "when": "now",
          "ip": "192.0.2.1", "name": "My key", "sessions": 2, "passkeys": ["Phone"], "new_address": "new@example.com",
          "days": 7, "inviter": "", "home": "http://localhost/"}


@pytest.mark.parametrize("kind", sorted(composer.KINDS))
def test_every_email_names_the_site_first_and_shows_its_links_as_text(stack: Any, kind: str) -> None:
    site = stack.env["SESAME_PUBLIC_URL"].split("://", 1)[1]  # localhost:<port>
    email = composer.render(kind, "en", **{**VALUES, "kind": kind})
    assert email.text.splitlines()[0] == f"This email is from {site}."
    assert f"This email is from {site}." in email.html.split("<h1", 1)[0]  # above the title
    for href in re.findall(r'href="([^"]+)"', email.html):  # every button's address, readable as text too
        assert f"The link: {href}" in email.html


@pytest.mark.parametrize("kind", ["sign_in", "sign_up"])
def test_a_code_emails_validity_and_ignore_note_are_in_the_body_not_the_footer(stack: Any, kind: str) -> None:
    html = composer.render(kind, "en", **{**VALUES, "kind": kind}).html
    body, footer = html.split("border-top:1px solid", 1)
    assert "expire in 10 minutes" in body and "If you did not ask for this" in body
    assert "expire in" not in footer
