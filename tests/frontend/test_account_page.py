"""The signed-in page's account changes in real Chromium: a new address
confirmed with its code, and deleting the account after a step-up (with
SESAME_REAUTH_MINUTES=0 every sensitive change asks for one)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from chalicelib import config
from tests.conftest import code_and_token, create_user, inbox
from tests.frontend.conftest import shot
from tests.frontend.test_sessions_page import EMAIL, sign_in

NEW = "grace.hopper@example.org"


@pytest.fixture
def origin(stack: Any, api: str) -> str:
    return str(stack.env["SESAME_PUBLIC_URL"])  # generous limits: a sign-in and a step-up within a minute


@pytest.fixture
def reauth_zero(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("SESAME_REAUTH_MINUTES", "0")
    config.settings.cache_clear()
    yield
    monkeypatch.undo()
    config.settings.cache_clear()


def test_change_the_address_with_the_new_mailboxs_code(context: Any) -> None:
    create_user(EMAIL)
    page = context.new_page()
    sign_in(page)
    page.get_by_label("New address", exact=True).fill(NEW)
    page.get_by_role("button", name="Send a code to the new address").click()
    expect(page.locator("#status")).to_contain_text(f"We sent a code to {NEW}")
    code, _ = code_and_token(inbox(NEW)[0])
    page.get_by_label("Code from the new address").fill(code)
    page.get_by_role("button", name="Change address").click()
    expect(page.locator("#status")).to_have_text(f"Your address is now {NEW}.")
    expect(page.locator("#account-email")).to_have_text(NEW)
    shot(page, "13-address-changed")
    assert [m for m in inbox(EMAIL) if m["subject"] == "The address of your Sesame account changed"]


def test_deleting_the_account_asks_for_a_step_up_first(context: Any, reauth_zero: None) -> None:
    create_user(EMAIL)
    page = context.new_page()
    sign_in(page)
    page.on("dialog", lambda dialog: dialog.accept())  # "Delete your account for good?"
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_role("dialog", name="Confirm it's you")).to_be_visible()
    shot(page, "14-step-up")
    code, _ = code_and_token(next(m for m in inbox(EMAIL) if m["subject"] == "Confirm it's you on Sesame"))
    page.get_by_label("Code from the email").fill(code)
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator("#status")).to_have_text("Your account is deleted.")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert page.evaluate("fetch('/auth/session').then(r => r.status)") == 401
