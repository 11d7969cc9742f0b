"""A partial BatchGetItem (``UnprocessedKeys``) is retried, then answered 503: never read as
"signed out" (401 with every cookie cleared) nor as "no limit used". The embedded AWS answers
in part on demand (devstack/partial.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devstack import partial
from devstack.browser import Browser
from tests.conftest import sign_in


@pytest.fixture(autouse=True)
def _whole_again() -> Iterator[None]:
    yield
    partial.withhold(0)


def test_one_partial_answer_is_retried_and_nobody_notices(browser: Browser, user: str) -> None:
    sign_in(browser, user)
    partial.withhold(1)
    assert browser.get("/auth/session").status == 200
    partial.withhold(1)
    assert browser.post("/auth/refresh", {}).status == 200
    partial.withhold(1)
    assert browser.post("/auth/sign-in", {"email": user}).status == 202  # the limiter's read


def test_a_read_that_stays_partial_is_503_and_signs_nobody_out(browser: Browser, user: str) -> None:
    sign_in(browser, user)
    partial.withhold(100)
    for reply in (browser.get("/auth/session"), browser.post("/auth/refresh", {})):
        assert (reply.status, reply.body["error"]["code"]) == (503, "unavailable")
        assert reply.headers["Retry-After"] == "2" and reply.set_cookies == []
    assert browser.post("/auth/sign-in", {"email": user}).status == 503
    partial.withhold(0)
    assert browser.get("/auth/session").status == 200  # the session was never lost
