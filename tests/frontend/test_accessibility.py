"""axe-core (axe-playwright-python) on every state of every page, in English and German, 1280 and
390 px wide: no serious or critical violation. The states are reached as a person reaches them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.conftest import code_and_token, create_user, inbox

EMAIL = "grace@example.com"
SERIOUS = {"serious", "critical"}


@pytest.fixture
def origin(stack: Any, api: str) -> str:
    return str(stack.env["SESAME_PUBLIC_URL"])  # generous limits: one address signs in several times


def serious(page: Any) -> list[str]:
    """The serious and critical violations on the page as it is now, one line each."""
    found = Axe().run(page).response["violations"]
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}" for v in found
            if v.get("impact") in SERIOUS]


def _email_state(page: Any) -> None:
    page.goto("/")
    expect(page.locator("#email")).to_be_visible()


def _error_state(page: Any) -> None:
    _email_state(page)
    page.locator("#email").fill("not an address")
    page.locator("#email-submit").click()
    expect(page.locator("#email-error")).not_to_be_empty()


def _code_state(page: Any) -> None:
    _email_state(page)
    page.locator("#email").fill(EMAIL)
    page.locator("#email-submit").click()
    expect(page.locator("#state-code")).to_be_visible()


def _signed_in_state(page: Any) -> None:
    _code_state(page)
    page.locator("#code").fill(code_and_token(inbox(EMAIL)[0])[0])
    page.locator("#code-submit").click()
    expect(page.locator("#state-signed-in")).to_have_attribute("aria-busy", "false")


def _link_state(page: Any) -> None:
    _code_state(page)
    _, token = code_and_token(inbox(EMAIL)[0])
    page.goto(f"/sign-in/link#token={token}")
    expect(page.locator("#continue")).to_be_enabled()


def _used_link_state(page: Any) -> None:
    page.goto("/sign-in/link#token=not-a-token")
    expect(page.locator("#new-link")).to_be_visible()


def _not_me_state(page: Any) -> None:
    page.goto("/not-me#token=not-a-token")
    expect(page.locator("#secure")).to_be_visible()


def _phone_state(page: Any) -> None:
    _email_state(page)
    page.locator("#phone-sign-in").click()
    expect(page.locator("#phone-number")).not_to_be_empty()


def _device_sign_in_first_state(page: Any) -> None:
    page.goto("/device")
    expect(page.locator("#sign-in-first")).to_be_visible()


def _device_review_state(page: Any) -> None:
    _signed_in_state(page)
    origin = page.evaluate("location.origin")
    started = page.request.post("/auth/sign-in/phone", data="{}",
                                headers={"Origin": origin, "Content-Type": "application/json"}).json()
    page.goto(started["url"])
    expect(page.locator("#numbers button")).to_have_count(3)


STATES: dict[str, Callable[[Any], None]] = {
    "sign in with your phone": _phone_state, "approve: sign in first": _device_sign_in_first_state,
    "approve: review": _device_review_state,
    "sign-in": _email_state, "sign-in error": _error_state, "check your email": _code_state,
    "signed in": _signed_in_state, "link": _link_state, "unusable link": _used_link_state,
    "this wasn't me": _not_me_state}


@pytest.mark.parametrize("locale", ["en-GB", "de-DE"])
@pytest.mark.parametrize("width", [1280, 390])
def test_no_page_state_has_a_serious_accessibility_violation(chromium: Any, origin: str, locale: str,
                                                             width: int) -> None:
    create_user(EMAIL)
    found = {}
    for name, reach in STATES.items():  # each state in a browser of its own: no cookie carries over
        context = chromium.new_context(base_url=origin, locale=locale, viewport={"width": width, "height": 900})
        try:
            page = context.new_page()
            reach(page)  # each waits until its state is on screen
            found[name] = serious(page)
        finally:
            context.close()
    assert {name: v for name, v in found.items() if v} == {}
