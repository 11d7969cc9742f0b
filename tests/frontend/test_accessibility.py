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


Steps = list[tuple[str, Callable[[Any], Any]]]  # a step returns the page showing its state, or None: this one


def _email_state(page: Any) -> None:
    page.goto("/")
    expect(page.locator("#email")).to_be_visible()


def _submit(page: Any, address: str) -> None:
    page.locator("#email").fill(address)
    page.locator("#email-submit").click()


def _error_state(page: Any) -> None:
    _submit(page, "not an address")
    expect(page.locator("#email-error")).not_to_be_empty()


def _code_state(page: Any) -> None:
    _submit(page, EMAIL)
    expect(page.locator("#state-code")).to_be_visible()


def _link_state(page: Any) -> Any:
    """The link from the same email, opened in a new tab (previewing it consumes nothing)."""
    _, token = code_and_token(inbox(EMAIL)[0])
    tab = page.context.new_page()
    tab.goto(f"/sign-in/link#token={token}")
    expect(tab.locator("#continue")).to_be_enabled()
    return tab


def _signed_in_state(page: Any) -> None:
    page.locator("#code").fill(code_and_token(inbox(EMAIL)[0])[0])
    page.locator("#code-submit").click()
    expect(page.locator("#state-signed-in")).to_have_attribute("aria-busy", "false")


def _device_review_state(page: Any) -> None:
    """Another device asks to be signed in; this signed-in browser opens its approval page."""
    origin = page.evaluate("location.origin")
    started = page.request.post("/auth/sign-in/phone", data="{}",
                                headers={"Origin": origin, "Content-Type": "application/json"}).json()
    page.goto(started["url"])
    expect(page.locator("#numbers button")).to_have_count(3)


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


# Each journey is one person's path in a browser of its own (no cookie carries over between
# journeys); every state on it is checked where the person meets it.
JOURNEYS: list[Steps] = [
    [("sign-in", _email_state), ("sign-in error", _error_state), ("check your email", _code_state),
     ("link", _link_state), ("signed in", _signed_in_state), ("approve: review", _device_review_state)],
    [("sign in with your phone", _phone_state)],
    [("approve: sign in first", _device_sign_in_first_state)],
    [("unusable link", _used_link_state)],
    [("this wasn't me", _not_me_state)],
]


@pytest.mark.parametrize("locale", ["en-GB", "de-DE"])
@pytest.mark.parametrize("width", [1280, 390])
def test_no_page_state_has_a_serious_accessibility_violation(chromium: Any, origin: str, locale: str,
                                                             width: int) -> None:
    create_user(EMAIL)
    found = {}
    for journey in JOURNEYS:
        context = chromium.new_context(base_url=origin, locale=locale, viewport={"width": width, "height": 900})
        try:
            page = context.new_page()
            for name, reach in journey:
                shown = reach(page) or page  # each waits until its state is on screen
                found[name] = serious(shown)
        finally:
            context.close()
    assert len(found) == sum(len(journey) for journey in JOURNEYS)  # no state named twice (the ten states)
    assert {name: v for name, v in found.items() if v} == {}
