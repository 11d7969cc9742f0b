"""Every email in every language, sent through SES (moto) and seen in the dev
mailbox's sandboxed frame in real Chromium; and the sign-in page in German.
Screenshots of each go to artifacts/screenshots/emails/."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from chalicelib import i18n, mail
from chalicelib.mail import composer
from tests.conftest import code_and_token, create_user, inbox
from tests.frontend.conftest import shot

FACTS = {"code": "493817", "link": "http://localhost/sign-in/link#token=t", "device": "Firefox on Linux",
         "ip": "192.0.2.7", "name": "Work laptop"}



def _send(kind: str, to: str, locale: str) -> None:
    when = 1_796_000_000
    if kind == "invitation":
        mail.send_invitation(to, FACTS["link"], 7, "Ada", locale)
    elif kind in ("sign_in", "sign_up", "no_account", "step_up", "address_change", "address_taken"):
        mail.send_challenge(kind, to, FACTS["code"], FACTS["link"], locale)
    elif kind == "account_secured":
        mail.send_account_secured(to, locale, [FACTS["name"]], 2)
    elif kind == "new_device":
        mail.send_new_device(to, FACTS["device"], when, FACTS["ip"], FACTS["link"], locale)
    elif kind == "address_changed":
        mail.send_address_changed(to, "new@example.org", when, FACTS["link"], locale)
    elif kind == "account_deleted":
        mail.send_account_deleted(to, locale)
    else:
        send = mail.send_passkey_added if kind == "passkey_added" else mail.send_passkey_removed
        send(to, FACTS["name"], FACTS["device"], when, locale)


@pytest.mark.parametrize("locale", i18n.available())
def test_every_email_as_a_mail_client_shows_it(context: Any, locale: str) -> None:
    page = context.new_page()
    for kind in composer.KINDS:
        to = f"{kind.replace('_', '-')}-{locale}@example.com"
        _send(kind, to, locale)
        [message] = inbox(to)
        page.goto(f"/dev/mailbox/view?to={to}")
        frame = page.frame_locator("iframe").first
        expect(frame.locator("html")).to_have_attribute("lang", locale)
        expect(frame.locator("h1")).to_be_visible()
        expect(page.locator("pre")).to_contain_text(message["text"].split("\n", 1)[0])  # the text part beside it
        if kind in ("sign_in", "sign_up", "step_up", "address_change"):
            expect(frame.get_by_text(FACTS["code"], exact=True)).to_be_visible()
        if kind == "invitation":  # a link alone
            expect(frame.get_by_role("link", name={"en": "Sign in", "de": "Anmelden"}[locale])).to_be_visible()
        shot(page, f"emails/{kind}-{locale}")
    # The frame runs nothing and cannot reach the page around it.
    assert page.locator("iframe").first.get_attribute("sandbox").split() == [
        "allow-popups", "allow-popups-to-escape-sandbox", "allow-top-navigation-by-user-activation"]


def test_the_sign_in_page_in_german(context: Any, origin: str, chromium: Any) -> None:
    create_user("greta@example.com")
    german = chromium.new_context(viewport={"width": 900, "height": 760}, base_url=origin, locale="de-DE")
    try:
        page = german.new_page()
        page.goto("/")
        expect(page.get_by_role("heading", name="Anmelden")).to_be_visible()
        page.get_by_label("E-Mail-Adresse").fill("greta@example.com")
        page.get_by_role("button", name="Code per E-Mail senden").click()
        expect(page.get_by_role("heading", name="Prüfen Sie Ihr Postfach")).to_be_visible()
        expect(page.locator("#sent-to")).to_have_text("greta@example.com")
        message = inbox("greta@example.com")[0]
        assert message["subject"] == "Ihr Anmeldecode für Sesame"
        page.get_by_label("6-stelliger Code").fill("000000")
        page.get_by_role("button", name="Anmelden").click()
        expect(page.locator("#code-error")).to_have_text(i18n.text("de", "error.invalid_code"))
        shot(page, "emails/page-de-wrong-code")
        code, _ = code_and_token(inbox("greta@example.com")[0])
        page.get_by_label("6-stelliger Code").fill(code)
        page.get_by_role("button", name="Anmelden").click()
        expect(page.get_by_role("heading", name="Sie sind angemeldet")).to_be_visible()
        expect(page.get_by_role("button", name="Überall abmelden")).to_be_visible()
        shot(page, "emails/page-de-signed-in")
    finally:
        german.close()
