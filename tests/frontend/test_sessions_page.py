"""The signed-in view's sessions, and the "this wasn't me" page, in real
Chromium with two browser profiles. Screenshots go to artifacts/."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import code_and_token, create_user, inbox
from tests.frontend.conftest import shot, signed_in
from tests.frontend.test_sign_in_page import request_code

EMAIL = "grace@example.com"


@pytest.fixture
def origin(stack: Any, api: str) -> str:
    """As in conftest, but with the tests' generous limits: these sign one account in from several
    browsers within a minute, which the stage's one-email-a-minute limit would (rightly) refuse."""
    return str(stack.env["SESAME_PUBLIC_URL"])


def sign_in(page: Any) -> None:
    code = request_code(page, EMAIL)
    page.get_by_label("6-digit code").fill(code)
    page.get_by_role("button", name="Sign in").click()
    signed_in(page)


def test_a_session_ended_from_one_browser_is_signed_out_in_the_other(chromium: Any, context: Any,
                                                                    origin: str) -> None:
    create_user(EMAIL)
    laptop = context.new_page()
    sign_in(laptop)
    phone_context = chromium.new_context(base_url=origin)
    try:
        phone = phone_context.new_page()
        sign_in(phone)
        laptop.reload()
        sessions = laptop.locator("#sessions li")
        expect(sessions).to_have_count(2)
        expect(sessions.first).to_contain_text("Sign out")  # the phone's: newest first
        expect(sessions.nth(1)).to_contain_text("This device")
        expect(laptop.get_by_role("button", name="Sign out all other devices")).to_be_visible()
        shot(laptop, "08-sessions")
        laptop.once("dialog", lambda dialog: dialog.accept())  # "Sign out HeadlessChrome on Linux?"
        laptop.locator("#sessions li", has_text="Sign out").get_by_role("button").click()
        expect(sessions).to_have_count(1)
        expect(laptop.locator("#status")).to_have_text("That device is signed out.")
        assert phone.evaluate("fetch('/auth/session').then(r => r.status)") == 401
        phone.reload()
        expect(phone.get_by_role("heading", name="Sign in")).to_be_visible()
    finally:
        phone_context.close()


def test_sign_out_all_other_devices(chromium: Any, context: Any, origin: str) -> None:
    create_user(EMAIL)
    others = [chromium.new_context(base_url=origin) for _ in range(2)]
    try:
        for other in others:
            sign_in(other.new_page())
        page = context.new_page()
        sign_in(page)
        expect(page.locator("#sessions li")).to_have_count(3)
        page.once("dialog", lambda dialog: dialog.dismiss())
        page.get_by_role("button", name="Sign out all other devices").click()  # asked first: "Cancel" ends nothing
        expect(page.locator("#sessions li")).to_have_count(3)
        assert all(other.pages[0].evaluate("fetch('/auth/session').then(r => r.status)") == 200 for other in others)
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name="Sign out all other devices").click()
        expect(page.locator("#sessions li")).to_have_count(1)
        expect(page.get_by_role("button", name="Sign out all other devices")).to_be_hidden()
        for other in others:
            assert other.pages[0].evaluate("fetch('/auth/session').then(r => r.status)") == 401
    finally:
        for other in others:
            other.close()


def test_this_wasnt_me_page(chromium: Any, context: Any, origin: str) -> None:
    create_user(EMAIL)
    sign_in(context.new_page())
    intruder_context = chromium.new_context(base_url=origin)
    try:
        intruder = intruder_context.new_page()
        sign_in(intruder)
        mail = next(m for m in inbox(EMAIL) if m["subject"] == "New sign-in to Sesame")
        token = re.search(r"/not-me#token=([A-Za-z0-9_.-]+)", mail["text"])
        assert token
        page = context.new_page()
        page.goto(f"/not-me#token={token.group(1)}")
        expect(page.get_by_role("heading", name="This wasn't me")).to_be_visible()
        expect(page).to_have_url(re.compile(r"/not-me$"))  # the script took the token out of the address bar
        assert intruder.evaluate("fetch('/auth/session').then(r => r.status)") == 200  # opening changed nothing
        shot(page, "09-not-me")
        page.get_by_role("button", name="Sign out every device").click()
        expect(page.get_by_role("heading", name="Your account is secured")).to_be_visible()
        expect(page.locator("#status")).to_contain_text("Devices signed out: 2.")
        shot(page, "10-not-me-secured")
        assert intruder.evaluate("fetch('/auth/session').then(r => r.status)") == 401
        again = context.new_page()  # the same link, clicked again: it explains itself, and offers no retry
        again.goto(f"/not-me#token={token.group(1)}")
        again.get_by_role("button", name="Sign out every device").click()
        expect(again.locator("#error")).to_contain_text("This link was used already")
        expect(again.get_by_role("button", name="Sign out every device")).to_be_hidden()
    finally:
        intruder_context.close()


def test_the_this_wasnt_me_button_works_before_the_page_config_arrives(context: Any) -> None:
    page = context.new_page()
    held: list[Any] = []
    page.route("**/auth/config", lambda route: held.append(route))  # answered only after the click
    page.goto("/not-me#token=not-a-real-token")
    page.get_by_role("button", name="Sign out every device").click()
    expect(page.locator("#error")).not_to_be_empty()  # the server answered the click: a bad link
    assert held
    held[0].continue_()


@pytest.mark.parametrize(("locale", "device", "now"), [("en-GB", "HeadlessChrome on Linux", "now"),
                                                      ("de-DE", "HeadlessChrome auf Linux", "jetzt")])
def test_the_signed_in_page_speaks_plainly(chromium: Any, origin: str, locale: str, device: str, now: str) -> None:
    """No Cognito id, no token expiry; each session's device in the page's language, when (relative),
    its IP and which one is this device."""
    create_user(EMAIL)
    browser = chromium.new_context(base_url=origin, locale=locale)
    try:
        page = browser.new_page()
        if locale.startswith("de"):
            page.goto("/")
            page.get_by_label("E-Mail-Adresse").fill(EMAIL)
            page.get_by_role("button", name="Code per E-Mail senden").click()
            expect(page.locator("#state-code")).to_be_visible()
            page.get_by_label("6-stelliger Code").fill(code_and_token(inbox(EMAIL)[0])[0])
            page.get_by_role("button", name="Anmelden").click()
            expect(page.locator("#state-signed-in")).to_have_attribute("aria-busy", "false")
        else:
            sign_in(page)
        sub = page.evaluate("fetch('/auth/session').then(r => r.json()).then(b => b.user.sub)")
        text = page.locator("#state-signed-in").inner_text()
        assert sub not in text and "Session until" not in text and "Sitzung bis" not in text
        session = page.locator("#sessions li").first
        expect(session).to_contain_text(device)
        expect(session).to_contain_text("127.0.0.1")
        expect(session).to_contain_text(now)  # "Signed in now, last seen now": relative, in the page's words
        expect(session.locator(".this")).to_be_visible()
    finally:
        browser.close()
