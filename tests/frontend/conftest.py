"""Real Chromium (Debian's chromium-headless-shell) driven by Playwright, headless."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Debian's build of Chromium's headless shell: the headless browser Playwright itself runs for
# headless Chromium. The full browser's headless mode runs its whole UI stack too, at twice the CPU
# (52 against 26 s on the sign-in and sessions pages' tests; the browser tests 182 against 89 s).
CHROMIUM = "/usr/bin/chromium-headless-shell"
# Without the background-networking flags Chromium keeps calling Google's
# services, which this machine's closed network refuses.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


def pytest_configure(config: Any) -> None:
    from playwright.sync_api import expect

    # A sign-in is several AWS calls on a 2-core machine that may be busy: wait up to
    # 15 s for what a person would see (the default, 5 s, flaked under load).
    expect.set_options(timeout=15_000)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def origin(stack: Any, api: str, real_limits: None) -> str:
    """The public origin (http://localhost:<port>): what the pages are served from."""
    return str(stack.env["SESAME_PUBLIC_URL"])


@pytest.fixture
def context(chromium: Any, origin: str) -> Iterator[Any]:
    """A fresh browser profile that records every request it makes."""
    ctx = chromium.new_context(viewport={"width": 900, "height": 760}, base_url=origin)
    ctx.requests = []  # type: ignore[attr-defined]
    ctx.on("request", lambda request: ctx.requests.append(request.url))  # type: ignore[attr-defined]
    yield ctx
    ctx.close()


def shot(page: Any, name: str) -> None:
    """Save a screenshot of the current state as a test artifact."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def signed_in(page: Any) -> None:
    """Wait for the signed-in view, settled: its lists in (``aria-busy`` off), so no button moves under a click."""
    from playwright.sync_api import expect

    expect(page.get_by_role("heading", name="You're signed in")).to_be_visible()
    expect(page.locator("#state-signed-in")).to_have_attribute("aria-busy", "false")


def sign_in_here(page: Any, email: str) -> None:
    """Sign in by email code on the sign-in page the browser is on (sent there by another page)."""
    from playwright.sync_api import expect

    from tests.conftest import code_and_token, inbox

    # Exactly "Sign in" ("Sign in first" is /device's), and its script done (it focuses the field
    # once its handlers are on): a click before that came to nothing, under load (seen once).
    expect(page.get_by_role("heading", name="Sign in", exact=True)).to_be_visible()
    expect(page.get_by_label("Email address")).to_be_focused()
    page.get_by_label("Email address").fill(email)
    page.get_by_role("button", name="Email me a code").click()
    expect(page.get_by_label("6-digit code")).to_be_visible()
    code, _ = code_and_token(inbox(email)[0])
    page.get_by_label("6-digit code").fill(code)
    page.get_by_role("button", name="Sign in").click()
