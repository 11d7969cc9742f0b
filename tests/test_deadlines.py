"""Deadlines: a request gives up before API Gateway's 29 s, releasing what it holds; the
triggers' AWS calls fit Cognito's 5 s. The embedded AWS is slowed on demand (devstack/slow.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib import aws
from chalicelib.signin import challenges
from devstack import slow
from devstack.browser import Browser
from tests.conftest import code_and_token, inbox


@pytest.fixture(autouse=True)
def _fast_again() -> Iterator[None]:
    yield
    slow.clear()


def test_a_slow_cognito_answers_503_in_time_and_the_code_still_works(browser: Browser, user: str,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    # A 19 s budget: Cognito's first call takes 3 s, and the second (which runs Verify, up to
    # 3 x 5 s) no longer fits. Today's 25 s budget with a 11 s first call is the same case.
    monkeypatch.setenv("SESAME_REQUEST_BUDGET_SECONDS", "19")
    assert browser.post("/auth/sign-in", {"email": user}).status == 202
    code, _ = code_and_token(inbox(user)[0])
    slow.delay("cognito-idp", 3.0)
    reply = browser.post("/auth/sign-in/code", {"code": code})
    assert slow.pending("cognito-idp") == 0
    assert (reply.status, reply.body["error"]["code"]) == (503, "unavailable")
    assert reply.headers["Retry-After"] == "2"
    assert browser.post("/auth/sign-in/code", {"code": code}).status == 200  # the challenge survived


def test_inside_a_trigger_a_slow_call_is_cut_short_and_retried_once(stack: Any, user: str) -> None:
    with aws.acting_as("verify_auth_challenge"):
        config = aws.client("dynamodb").meta.config
        assert (config.connect_timeout, config.read_timeout, config.retries["total_max_attempts"]) == (1, 2, 2)
        slow.delay("dynamodb", 2.5)  # the first attempt times out after 2 s; the retry answers
        assert challenges.get("x" * 32) is None
        assert slow.pending("dynamodb") == 0  # the slow answer was given (and outwaited)
    api = aws.client("dynamodb").meta.config
    assert (api.read_timeout, aws.client("cognito-idp", runs_triggers=True).meta.config.read_timeout) == (5, 16)


def test_a_short_call_gets_only_what_is_left_of_the_budget(browser: Browser, user: str,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    # A 7 s budget and two DynamoDB answers of 4 s each: with its usual 5 s read timeout the SDK would
    # wait for both (8 s, past the budget, as 2 x 14 s would be past API Gateway's 29 s). Given what
    # is left, each attempt gives up in time, and the request answers 503 with Retry-After.
    monkeypatch.setenv("SESAME_REQUEST_BUDGET_SECONDS", "7")
    slow.delay("dynamodb", 4.0, calls=2)
    reply = browser.post("/auth/sign-in", {"email": user})
    assert (reply.status, reply.body["error"]["code"]) == (503, "unavailable")
    assert reply.headers["Retry-After"]
    slow.clear()
    assert browser.post("/auth/sign-in", {"email": user}).status == 202  # nothing was left half done


def test_the_client_for_a_call_fits_what_is_left(stack: Any) -> None:
    from chalicelib import deadline

    assert aws.client("dynamodb").meta.config.read_timeout == 5  # no request: the usual client
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SESAME_REQUEST_BUDGET_SECONDS", "9")
        token = deadline.start()
        try:
            config = aws.client("dynamodb").meta.config
            attempts = config.retries["total_max_attempts"]
            assert attempts * (config.connect_timeout + config.read_timeout) + 1 <= 9
        finally:
            deadline.end(token)
        patch.setenv("SESAME_REQUEST_BUDGET_SECONDS", "0.5")
        token = deadline.start()
        try:
            with pytest.raises(deadline.DeadlineExceeded):
                aws.client("dynamodb")
        finally:
            deadline.end(token)
