"""Recent authentication before a sensitive change, and the step-up that
renews it (a passkey, or a code or link mailed to the signed-in address),
over HTTP against the embedded AWS."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib import aws, config
from chalicelib.config import settings
from devstack.browser import Browser
from devstack.stack import LocalStack
from tests.accountkit import enrol, passkey_sign_in, signed_in
from tests.authenticator import Passkey
from tests.conftest import code_and_token, inbox

SENSITIVE = [("POST", "/auth/passkeys/registration-options", {}), ("POST", "/auth/account/email",
             {"email": "new@example.com"}), ("DELETE", "/auth/account", {}), ("DELETE", "/auth/passkeys/x", {})]
STEP_UP_LINK = re.compile(r"/step-up#token=([A-Za-z0-9_.-]+)")


@pytest.fixture
def reauth(monkeypatch: pytest.MonkeyPatch, stack: LocalStack) -> Iterator[Any]:
    """``reauth(minutes)`` sets the stage's SESAME_REAUTH_MINUTES for one test."""
    def change(minutes: int) -> None:
        monkeypatch.setenv("SESAME_REAUTH_MINUTES", str(minutes))
        config.settings.cache_clear()
    yield change
    monkeypatch.undo()
    config.settings.cache_clear()


def _age(browser: Browser, field: str, seconds: int) -> None:
    """Move the browser's session's ``field`` (a time) ``seconds`` into the past, as the table holds it."""
    sid = browser.get("/auth/sessions").body["sessions"][0]["id"]
    ddb = aws.client("dynamodb")
    item = next(i for i in ddb.scan(TableName=settings().table)["Items"] if i.get("sid", {}).get("S") == sid)
    ddb.update_item(TableName=settings().table, Key={"pk": item["pk"]}, UpdateExpression=f"SET {field} = :t",
                    ExpressionAttributeValues={":t": {"N": str(time.time() - seconds)}})


def _step_up_mail(email: str) -> dict[str, Any]:
    return next(m for m in inbox(email) if m["subject"] == "Confirm it's you on Sesame")


def _refused(browser: Browser, method: str, path: str, body: Any) -> None:
    reply = browser.request(method, path, body)
    assert (reply.status, reply.body["error"]["code"]) == (401, "reauth_required"), (path, reply.body)


@pytest.mark.parametrize("method,path,body", SENSITIVE)
def test_a_sign_in_older_than_the_window_is_not_enough_and_a_refresh_does_not_renew_it(
        browser: Browser, user: str, method: str, path: str, body: Any) -> None:
    signed_in(browser, user)
    _age(browser, "created_at", 11 * 60)
    _refused(browser, method, path, body)
    assert browser.post("/auth/refresh").status == 200
    _refused(browser, method, path, body)


def test_with_reauth_zero_only_a_step_up_by_code_counts_and_creates_no_session(
        browser: Browser, user: str, reauth: Any) -> None:
    reauth(0)
    signed_in(browser, user)
    _refused(browser, "POST", "/auth/passkeys/registration-options", {})
    started = browser.post("/auth/step-up")
    assert (started.status, started.body) == (200, {"status": "sent", "publicKey": None})
    code, _ = code_and_token(_step_up_mail(user))
    wrong = "000000" if code != "000000" else "111111"
    assert browser.post("/auth/step-up/code", {"code": wrong}).body["error"]["code"] == "invalid_code"
    jar = dict(browser.jar)
    confirmed = browser.post("/auth/step-up/code", {"code": code})
    assert confirmed.status == 204 and confirmed.set_cookies == [] and browser.jar == jar
    assert browser.post("/auth/passkeys/registration-options").status == 200
    assert len(browser.get("/auth/sessions").body["sessions"]) == 1
    assert browser.post("/auth/step-up/code", {"code": code}).status == 401  # single use
    _age(browser, "stepped_up_at", 61)
    _refused(browser, "POST", "/auth/passkeys/registration-options", {})


def test_a_step_up_link_works_only_in_the_session_that_asked(browser: Browser, new_browser: Any, user: str,
                                                             reauth: Any) -> None:
    reauth(0)
    signed_in(browser, user)
    other = new_browser()
    signed_in(other, user)
    assert browser.post("/auth/step-up").status == 200
    found = STEP_UP_LINK.search(_step_up_mail(user)["text"])
    assert found
    token = found.group(1)
    assert new_browser().post("/auth/step-up/link", {"token": token}).status == 401  # nobody signed in
    assert other.post("/auth/step-up/link", {"token": token}).body["error"]["code"] == "invalid_link"
    assert new_browser().post("/auth/sign-in/link", {"token": token}).status == 401  # never a sign-in link
    assert browser.post("/auth/step-up/link", {"token": token}).status == 204
    assert browser.request("DELETE", "/auth/account", {}).status == 204
    page = new_browser().get("/step-up")
    assert page.status == 200 and "Confirm it" in page.text


def test_a_step_up_by_passkey_uses_the_accounts_own_passkey(browser: Browser, new_browser: Any,
                                                            stack: LocalStack, user: str, reauth: Any) -> None:
    origin = stack.env["SESAME_PUBLIC_URL"]
    signed_in(browser, user)
    passkey = enrol(browser, origin)
    reauth(0)
    started = browser.post("/auth/step-up")
    options = started.body["publicKey"]
    assert [c["id"] for c in options["allowCredentials"]] == [passkey.get(options)["id"]]
    stranger = Passkey(origin)  # a passkey of no account, or of another one, does not step up
    assert browser.post("/auth/step-up/passkey", {"credential": stranger.get(options)}).status == 401
    started = browser.post("/auth/step-up")
    assert browser.post("/auth/step-up/passkey", {"credential": passkey.get(started.body["publicKey"])}).status == 204
    pid = browser.get("/auth/passkeys").body["passkeys"][0]["id"]
    assert browser.request("DELETE", f"/auth/passkeys/{pid}", {}).status == 204


def test_an_assertion_naming_another_user_handle_is_refused(browser: Browser, new_browser: Any,
                                                            stack: LocalStack, user: str) -> None:
    signed_in(browser, user)
    passkey = enrol(browser, stack.env["SESAME_PUBLIC_URL"])
    refused = passkey_sign_in(new_browser(), passkey, user_handle=b"\x01" * 32)
    assert (refused.status, refused.body["error"]["code"]) == (401, "invalid_passkey")
    assert passkey_sign_in(new_browser(), passkey).status == 200


def test_step_up_needs_a_session(browser: Browser) -> None:
    for path, body in (("/auth/step-up", {}), ("/auth/step-up/code", {"code": "123456"}),
                       ("/auth/step-up/link", {"token": "x"}), ("/auth/step-up/passkey", {"credential": {}})):
        assert browser.post(path, body).body["error"]["code"] == "unauthenticated"
