"""Per-method throttling in the app: DynamoDB-backed, keyed by normalized
email and API Gateway's source IP, identical for every account, fail closed."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib import aws, limits
from chalicelib.config import settings
from devstack.browser import Browser
from tests.conftest import code_and_token, inbox

pytestmark = pytest.mark.usefixtures("real_limits")


def test_defaults_are_the_documented_ones() -> None:
    assert limits.limits() == {
        "sign_in_email_minute": (1, 60), "sign_in_email_hour": (5, 3600), "sign_in_ip_hour": (20, 3600),
        "link_ip": (30, 300), "code_ip": (30, 300), "passkey_ip": (30, 300), "account_failures": (100, 3600),
        "passkey_failures": (100, 3600), "approval_start_ip": (20, 600), "approval_entry_ip": (10, 600),
        "approval_entry_all": (1000, 3600)}


def test_one_sign_in_email_per_minute_per_address_with_retry_after(browser: Browser, user: str) -> None:
    assert browser.post("/auth/sign-in", {"email": user}).status == 202
    again = browser.post("/auth/sign-in", {"email": "  ".strip() + user.upper()})
    assert (again.status, again.body["error"]["code"]) == (429, "rate_limited")
    assert 1 <= int(again.headers["Retry-After"]) <= 60
    assert len(inbox(user)) == 1  # nothing extra in the mailbox


def test_limited_answers_are_identical_for_existing_and_unknown(browser: Browser, new_browser: Any,
                                                                user: str) -> None:
    import time

    known, unknown = browser, new_browser()
    started = time.monotonic()
    known.post("/auth/sign-in", {"email": user})
    unknown.post("/auth/sign-in", {"email": "ghost@example.com"})
    apart = time.monotonic() - started  # the two windows opened this far apart (longer on a busy machine)
    a = known.post("/auth/sign-in", {"email": user})
    b = unknown.post("/auth/sign-in", {"email": "ghost@example.com"})
    assert (a.status, a.body, a.set_cookies) == (b.status, b.body, b.set_cookies) == (429, a.body, [])
    assert abs(int(a.headers["Retry-After"]) - int(b.headers["Retry-After"])) <= int(apart) + 1


def test_sign_in_emails_per_ip(browser: Browser) -> None:
    for i in range(20):
        assert browser.post("/auth/sign-in", {"email": f"person{i}@example.com"}).status == 202
    assert browser.post("/auth/sign-in", {"email": "one-more@example.com"}).status == 429
    assert inbox("one-more@example.com") == []


def test_forwarded_for_does_not_move_the_bucket(browser: Browser) -> None:
    for i in range(20):
        browser.post("/auth/sign-in", {"email": f"p{i}@example.com"}, headers={"X-Forwarded-For": f"10.0.0.{i}"})
    reply = browser.post("/auth/sign-in", {"email": "late@example.com"}, headers={"X-Forwarded-For": "10.9.9.9"})
    assert reply.status == 429


def test_link_verifications_per_ip(new_browser: Any) -> None:
    attacker = new_browser()
    for _ in range(30):
        assert attacker.post("/auth/sign-in/link", {"token": "x" * 40 + ".abcdefghijklmnopqrst"}).status == 401
    reply = attacker.post("/auth/sign-in/link", {"token": "x" * 40 + ".abcdefghijklmnopqrst"})
    assert (reply.status, reply.body["error"]["code"]) == (429, "rate_limited")
    assert int(reply.headers["Retry-After"]) <= 300


def test_failures_per_account_survive_new_codes(browser: Browser, user: str, monkeypatch: Any,
                                                stack: Any) -> None:
    # The cap is 100 an hour; a stage can set it lower. Here 4, with 3 codes a challenge.
    stack.overrides["SESAME_LIMITS"] = json.dumps({"account_failures": [4, 3600], "sign_in_email_minute": [9, 60]})
    stack.reset()
    try:
        browser.post("/auth/sign-in", {"email": user})
        code, _ = code_and_token(inbox(user)[0])
        wrong = "000000" if code != "000000" else "111111"
        for _ in range(3):
            assert browser.post("/auth/sign-in/code", {"code": wrong}).status == 401
        browser.post("/auth/sign-in", {"email": user})  # a new code does not reset the count
        code, _ = code_and_token(inbox(user)[0])
        wrong = "000000" if code != "000000" else "111111"
        assert browser.post("/auth/sign-in/code", {"code": wrong}).status == 401
        reply = browser.post("/auth/sign-in/code", {"code": code})
        assert (reply.status, reply.body["error"]["code"]) == (429, "rate_limited")
    finally:
        del stack.overrides["SESAME_LIMITS"]


def test_the_limiter_fails_closed(browser: Browser, user: str) -> None:
    aws.client("dynamodb").delete_table(TableName=settings().table)
    reply = browser.post("/auth/sign-in", {"email": user})
    assert (reply.status, reply.body["error"]["code"]) == (503, "unavailable")
    assert reply.set_cookies == []
    assert inbox(user) == []
