"""The browser flows in real Chromium: code, cross-device link, errors,
resend cooldown, sign-out, keyboard only. Screenshots go to artifacts/."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import expect

from tests.conftest import code_and_token, create_user, inbox
from tests.frontend.conftest import shot, signed_in

EMAIL = "grace@example.com"


def request_code(page: Any, email: str = EMAIL) -> str:
    page.goto("/")
    page.get_by_label("Email address").fill(email)
    page.get_by_role("button", name="Email me a code").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    code, _ = code_and_token(inbox(email)[0])
    return code


def test_full_code_sign_in(context: Any, origin: str) -> None:
    create_user(EMAIL)
    page = context.new_page()
    page.goto("/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_role("link", name="Open the dev mailbox")).to_be_visible()
    shot(page, "01-sign-in")
    code = request_code(page)
    expect(page.locator("#sent-to")).to_have_text(EMAIL)
    code_input = page.get_by_label("6-digit code")
    expect(code_input).to_be_focused()
    for name, value in {"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": r"\d{6}",
                        "maxlength": "6"}.items():
        expect(code_input).to_have_attribute(name, value)
    shot(page, "02-check-your-email")
    code_input.fill(code)
    page.get_by_role("button", name="Sign in").click()
    signed_in(page)
    expect(page.locator("#account-email")).to_have_text(EMAIL)
    shot(page, "03-signed-in")
    assert "sesame" not in page.evaluate("document.cookie")  # HttpOnly: no script can read a token
    names = {c["name"] for c in context.cookies()}
    assert {"__Host-sesame-access", "__Host-sesame-device"} <= names and "__Host-sesame-id" not in names
    assert all(urlsplit(url).netloc == urlsplit(origin).netloc for url in context.requests)  # no third party


def test_link_sign_in_on_another_device(chromium: Any, context: Any, origin: str) -> None:
    create_user(EMAIL)
    request_code(context.new_page())
    _, token = code_and_token(inbox(EMAIL)[0])
    phone = chromium.new_context(base_url=origin)
    try:
        page = phone.new_page()
        page.goto(f"/sign-in/link#token={token}")
        button = page.get_by_role("button", name=re.compile("Continue as gr\\*\\*\\*@example.com"))
        expect(button).to_be_enabled()
        assert "token" not in page.url  # replaceState took it out of the address bar
        shot(page, "04-link-continue")
        button.click()
        signed_in(page)
        assert page.url == origin + "/"
    finally:
        phone.close()


def test_opening_the_link_page_consumes_nothing(chromium: Any, context: Any, origin: str) -> None:
    create_user(EMAIL)
    request_code(context.new_page())
    _, token = code_and_token(inbox(EMAIL)[0])
    scanner = chromium.new_context(base_url=origin)
    try:
        page = scanner.new_page()
        response = page.goto(f"/sign-in/link#token={token}")
        assert response.headers["referrer-policy"] == "no-referrer"
        assert "script-src 'self'" in response.headers["content-security-policy"]
        expect(page.get_by_role("button", name=re.compile("Continue as"))).to_be_enabled()
        page.reload()  # a prefetch, a second scanner pass: still nothing consumed
        assert not [c for c in scanner.cookies() if "access" in c["name"]]
    finally:
        scanner.close()
    page = context.new_page()
    page.goto(f"/sign-in/link#token={token}")
    page.get_by_role("button", name=re.compile("Continue as")).click()
    signed_in(page)


def test_wrong_code_then_the_right_one(context: Any) -> None:
    create_user(EMAIL)
    page = context.new_page()
    code = request_code(page)
    wrong = "000000" if code != "000000" else "111111"
    field = page.get_by_label("6-digit code")
    field.fill(wrong)
    page.get_by_role("button", name="Sign in").click()
    note = page.locator("#code-error")  # beside the field, named by it, announced
    expect(note).to_contain_text("not valid")
    expect(note).to_have_attribute("role", "alert")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_attribute("aria-describedby", re.compile(r"\bcode-error\b"))
    expect(field).to_be_focused()
    expect(field).to_have_value(wrong)  # kept, and selected: typing replaces it
    assert page.evaluate("[document.activeElement.selectionStart, document.activeElement.selectionEnd]") == [0, 6]
    expect(page.locator("#status")).to_be_empty()  # the lead says where the code went
    shot(page, "05-wrong-code")
    page.get_by_label("6-digit code").fill(code)
    page.get_by_role("button", name="Sign in").click()
    signed_in(page)


def test_pasting_a_code_signs_in(context: Any) -> None:
    create_user(EMAIL)
    page = context.new_page()
    code = request_code(page)
    page.get_by_label("6-digit code").focus()
    page.evaluate("""(code) => {
        const data = new DataTransfer(); data.setData('text/plain', ` ${code.slice(0, 3)} ${code.slice(3)} `);
        document.getElementById('code').dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true,
                                                                                    cancelable: true}));
    }""", code)
    signed_in(page)


def test_resend_cooldown_matches_the_server(context: Any) -> None:
    page = context.new_page()
    request_code(page, "newbie@example.com")
    resend = page.locator("#resend")
    expect(resend).to_be_disabled()
    expect(resend).to_have_text(re.compile(r"You can ask for another in (0:5\d|1:00)"))  # counting down
    cooldown = page.evaluate("fetch('/auth/config').then(r => r.json()).then(c => c.resend_cooldown)")
    assert cooldown == 60  # the server's 1-per-60-s limit
    shot(page, "06-resend-cooldown")
    # The server agrees: asking again now is refused with the remaining wait.
    status = page.evaluate("""fetch('/auth/sign-in', {method: 'POST', headers: {'Content-Type': 'application/json'},
        body: JSON.stringify({email: 'newbie@example.com'})}).then(r => r.status)""")
    assert status == 429
    assert len(inbox("newbie@example.com")) == 1


def test_sign_out(context: Any) -> None:
    create_user(EMAIL)
    page = context.new_page()
    code = request_code(page)
    page.get_by_label("6-digit code").fill(code)
    page.get_by_role("button", name="Sign in").click()
    signed_in(page)
    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("Signed out.")
    shot(page, "07-signed-out")
    assert page.evaluate("fetch('/auth/session').then(r => r.status)") == 401
    # No session cookie stays: only the known-browser marker and a passkey ceremony's challenge binding.
    left = {c["name"] for c in context.cookies()}
    assert not left & {"__Host-sesame-access", "__Host-sesame-id", "__Secure-sesame-refresh", "__Host-sesame-flow"}


def test_keyboard_only(context: Any) -> None:
    create_user(EMAIL)
    page = context.new_page()
    page.goto("/")
    expect(page.get_by_label("Email address")).to_be_focused()
    page.keyboard.type(EMAIL)
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Email me a code")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_label("6-digit code")).to_be_focused()
    code, _ = code_and_token(inbox(EMAIL)[0])
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    signed_in(page)
    expect(page.locator("#passkey-offer")).to_be_visible()  # rendered after the session list: wait for it
    for name in ("Add a passkey", "Not now", "Sign out"):
        page.keyboard.press("Tab")
        expect(page.get_by_role("button", name=name, exact=True)).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Email address")).to_be_focused()


def test_the_signed_in_page_refreshes_before_the_token_expires(context: Any, stack: Any) -> None:
    stack.overrides["SESAME_ACCESS_TOKEN_MINUTES"] = "1"  # the page refreshes 60 s early: right away
    stack.reset()
    try:
        create_user(EMAIL)
        page = context.new_page()
        code = request_code(page)
        page.get_by_label("6-digit code").fill(code)
        with page.expect_response(lambda r: r.url.endswith("/auth/refresh"), timeout=20_000) as refreshed:
            page.get_by_role("button", name="Sign in").click()
        assert refreshed.value.status == 200
        signed_in(page)
    finally:
        del stack.overrides["SESAME_ACCESS_TOKEN_MINUTES"]


def test_a_click_before_the_page_config_arrives_is_not_lost(context: Any) -> None:
    """A busy server answers /auth/config late; a person may click before it does. The click must
    reach the script, not fall through to the browser's own form submission (a GET that would put
    the address in the URL and in every access log)."""
    create_user(EMAIL)
    page = context.new_page()
    held: list[Any] = []
    page.route("**/auth/config", lambda route: held.append(route))  # answered only after the click
    page.goto("/")
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_role("button", name="Email me a code").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    assert "grace" not in page.url
    assert held, "the page asked for its config"
    held[0].continue_()
    expect(page.locator("#sent-to")).to_have_text(EMAIL)


def test_a_used_link_says_so_and_offers_a_new_one(context: Any) -> None:
    """No dead end: a link that cannot sign in explains itself and leads to a new one."""
    create_user(EMAIL)
    request_code(context.new_page())
    _, token = code_and_token(inbox(EMAIL)[0])
    first = context.new_page()
    first.goto(f"/sign-in/link#token={token}")
    first.get_by_role("button", name=re.compile("Continue as")).click()
    signed_in(first)
    page = context.new_page()
    page.goto(f"/sign-in/link#token={token}")  # the same link again
    expect(page.locator("#error")).not_to_be_empty()
    expect(page.get_by_role("button", name=re.compile("Continue"))).to_be_hidden()  # nothing that does nothing
    again = page.get_by_role("link", name="Send me a new link")
    expect(again).to_be_focused()
    shot(page, "05b-used-link")
    again.click()
    expect(page).to_have_url(re.compile(r"^[^#]*/$"))  # the sign-in page, where a new link is one address away


def test_the_page_says_when_a_new_address_gets_an_account(context: Any, monkeypatch: Any) -> None:
    from chalicelib import config

    page = context.new_page()
    page.goto("/")
    expect(page.locator("#sign-up-hint")).to_contain_text("creates one")  # the local stage: sign-up open
    monkeypatch.setenv("SESAME_SIGN_UP", "closed")
    config.settings.cache_clear()
    try:
        page.goto("/")
        expect(page.get_by_label("Email address")).to_be_visible()
        expect(page.locator("#sign-up-hint")).to_have_count(0)
    finally:
        monkeypatch.undo()
        config.settings.cache_clear()


def test_asking_again_within_the_minute_offers_the_first_code_and_a_countdown(context: Any) -> None:
    create_user(EMAIL)
    page = context.new_page()
    code = request_code(page)
    page.goto("/")  # a new page in the same browser: its flow cookie is kept
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_role("button", name="Email me a code").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()  # not an error
    expect(page.locator("#sent-to")).to_have_text(EMAIL)
    expect(page.locator("#resend")).to_be_disabled()
    expect(page.locator("#resend")).to_have_text(re.compile(r"You can ask for another in 0:[0-5]\d"))
    expect(page.get_by_role("status")).to_have_text(re.compile("asked for this address a moment ago"))
    expect(page.get_by_text("Too many attempts")).to_have_count(0)
    shot(page, "07-asked-again")
    assert len(inbox(EMAIL)) == 1  # nothing more was sent
    page.get_by_label("6-digit code").fill(code)
    page.get_by_role("button", name="Sign in").click()
    signed_in(page)
