"""Cognito's request-rate quotas: the embedded AWS enforces them per category
(devstack/quotas.py), and Sesame answers a throttled sign-in ``503 busy`` with
``Retry-After``, burning no code."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from chalicelib import aws
from chalicelib.config import settings
from devstack import quotas
from devstack.browser import Browser
from tests.conftest import code_and_token, create_user, inbox


@pytest.fixture
def two_per_second(monkeypatch: pytest.MonkeyPatch, stack: Any) -> Iterator[None]:
    monkeypatch.setenv("DEVSTACK_COGNITO_RPS", json.dumps({"UserAuthentication": 2}))
    quotas.reset()
    yield
    quotas.reset()


def test_the_embedded_cognito_limits_each_category(two_per_second: None, user: str) -> None:
    # The client that makes no SDK retry (the standard mode's retries would hide the first throttle).
    idp, config = aws.client("cognito-idp", runs_triggers=True), settings()
    answers = []
    for _ in range(3):
        try:
            idp.admin_initiate_auth(UserPoolId=config.user_pool_id, ClientId=config.client_id,
                                    AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": user, "SECRET_HASH": "x"})
            answers.append("ok")
        except ClientError as exc:
            answers.append(exc.response["Error"]["Code"])
    assert answers[-1] == "TooManyRequestsException" and "TooManyRequestsException" not in answers[:2]
    # Another category has its own rate.
    assert idp.admin_get_user(UserPoolId=config.user_pool_id, Username=user)["Username"]


def test_a_throttled_sign_in_is_busy_and_its_code_still_works(two_per_second: None, browser: Browser,
                                                             new_browser: Any, user: str,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    now = [quotas._clock()]  # from here the quota's clock stands still: a slow machine refills nothing
    monkeypatch.setattr(quotas, "_clock", lambda: now[0])
    create_user("bob@example.com")
    other = new_browser()
    for who, where in ((user, browser), ("bob@example.com", other)):
        assert where.post("/auth/sign-in", {"email": who}).status == 202
    codes = {who: code_and_token(inbox(who)[0])[0] for who in (user, "bob@example.com")}
    quotas.reset()
    assert browser.post("/auth/sign-in/code", {"code": codes[user]}).status == 200  # two calls: the second's budget
    reply = other.post("/auth/sign-in/code", {"code": codes["bob@example.com"]})
    assert (reply.status, reply.body["error"]["code"]) == (503, "busy")
    assert int(reply.headers["Retry-After"]) > 0
    now[0] += 1.1  # the rate's second passes
    assert other.post("/auth/sign-in/code", {"code": codes["bob@example.com"]}).status == 200
