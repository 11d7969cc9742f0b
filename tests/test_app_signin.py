"""The sign-in contract, end to end: real HTTP, the emulated Cognito running
our triggers, moto's KMS, DynamoDB and SES, mail read back from SES."""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from chalicelib import aws
from chalicelib.config import settings
from devstack.browser import Browser, Reply
from tests.conftest import code_and_token, create_user, inbox

FLOW, ACCESS, ID, REFRESH = ("__Host-sesame-flow", "__Host-sesame-access", "__Host-sesame-id",
                             "__Secure-sesame-refresh")


def request_mail(browser: Browser, email: str, **extra: Any) -> tuple[Reply, str, str]:
    reply = browser.post("/auth/sign-in", {"email": email, **extra})
    assert reply.status == 202, reply.body
    code, token = code_and_token(inbox(email.lower())[0])
    return reply, code, token


def assert_signed_in(reply: Reply, email: str) -> None:
    assert reply.status == 200, reply.body
    assert reply.body["user"]["email"] == email and reply.body["user"]["sub"]
    for name in (ACCESS, REFRESH):
        value = reply.cookie(name)["value"]
        assert value and value not in reply.text  # tokens never in the body
    assert reply.cookie(ID)["max-age"] == "0"  # no ID token (it holds the address): only ever cleared


def test_health(browser: Browser) -> None:
    reply = browser.get("/auth/health")
    assert (reply.status, reply.body) == (200, {"status": "ok"})


def test_code_sign_in(browser: Browser, user: str) -> None:
    reply, code, _ = request_mail(browser, user)
    assert reply.body == {"status": "sent"}
    assert len(inbox(user)) == 1
    signed_in = browser.post("/auth/sign-in/code", {"code": code})
    assert_signed_in(signed_in, user)
    assert signed_in.body["redirect"] == "/"
    assert signed_in.cookie(FLOW)["max-age"] == "0"
    assert FLOW not in browser.jar and ACCESS in browser.jar


def test_one_email_holds_both_code_and_link(browser: Browser, user: str) -> None:
    request_mail(browser, user)
    message = inbox(user)[0]
    code, token = code_and_token(message)
    assert re.fullmatch(r"\d{6}", code)
    assert code in message["html"] and token in message["html"]
    assert f"{settings().public_url}/sign-in/link#token={token}" in message["text"]


def test_link_sign_in_from_another_browser(browser: Browser, new_browser: Any, user: str) -> None:
    _, _, token = request_mail(browser, user, redirect="/welcome")
    other = new_browser()
    page = other.get("/sign-in/link")
    assert page.status == 200 and "text/html" in page.headers["Content-Type"]
    reply = other.post("/auth/sign-in/link", {"token": token})
    assert_signed_in(reply, user)
    assert reply.body["redirect"] == "/welcome"


def test_flow_cookie_attributes(browser: Browser, user: str) -> None:
    reply, _, _ = request_mail(browser, user)
    flow = reply.cookie(FLOW)
    assert flow["path"] == "/" and flow["samesite"] == "Strict"
    assert flow["secure"] == "true" and flow["httponly"] == "true"
    assert 0 < int(flow["max-age"]) <= 600
    assert "domain" not in flow


def test_session_cookie_attributes(browser: Browser, user: str) -> None:
    _, code, _ = request_mail(browser, user)
    reply = browser.post("/auth/sign-in/code", {"code": code})
    # One Set-Cookie header per cookie: access, refresh, device; the flow and any old ID cookie cleared.
    assert len(reply.set_cookies) == 5
    for name in (ACCESS, "__Host-sesame-device"):
        cookie = reply.cookie(name)
        assert (cookie["path"], cookie["samesite"], cookie["secure"], cookie["httponly"]) == \
            ("/", "Lax", "true", "true")
    assert 3590 <= int(reply.cookie(ACCESS)["max-age"]) <= 3600  # the local stage's 60-minute tokens
    assert int(reply.cookie("__Host-sesame-device")["max-age"]) == 400 * 86400
    refresh = reply.cookie(REFRESH)
    assert (refresh["path"], refresh["samesite"], refresh["httponly"]) == ("/auth", "Strict", "true")
    assert int(refresh["max-age"]) == 30 * 86400


def test_wrong_code_then_the_right_one(browser: Browser, user: str) -> None:
    _, code, _ = request_mail(browser, user)
    wrong = "000000" if code != "000000" else "111111"
    reply = browser.post("/auth/sign-in/code", {"code": wrong})
    assert (reply.status, reply.body["error"]["code"]) == (401, "invalid_code")
    assert_signed_in(browser.post("/auth/sign-in/code", {"code": code}), user)


def test_three_wrong_codes_kill_the_challenge(browser: Browser, user: str) -> None:
    _, code, token = request_mail(browser, user)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(3):
        assert browser.post("/auth/sign-in/code", {"code": wrong}).status == 401
    assert browser.post("/auth/sign-in/code", {"code": code}).status == 401
    assert browser.post("/auth/sign-in/link", {"token": token}).status == 401


def test_code_and_link_are_one_credential(browser: Browser, new_browser: Any, user: str) -> None:
    _, code, token = request_mail(browser, user)
    assert new_browser().post("/auth/sign-in/link", {"token": token}).status == 200
    assert browser.post("/auth/sign-in/code", {"code": code}).status == 401
    _, code, token = request_mail(browser, user)
    assert browser.post("/auth/sign-in/code", {"code": code}).status == 200
    reply = new_browser().post("/auth/sign-in/link", {"token": token})
    assert (reply.status, reply.body["error"]["code"]) == (401, "invalid_link")


def test_reused_code_and_link(browser: Browser, new_browser: Any, user: str) -> None:
    _, code, token = request_mail(browser, user)
    assert browser.post("/auth/sign-in/code", {"code": code}).status == 200
    assert browser.post("/auth/sign-in/code", {"code": code}).status == 401
    _, _, token = request_mail(browser, user)
    assert new_browser().post("/auth/sign-in/link", {"token": token}).status == 200
    assert new_browser().post("/auth/sign-in/link", {"token": token}).status == 401


def expire(challenge_id: str) -> None:
    """Move a challenge's expiry into the past, as ten minutes passing would."""
    aws.client("dynamodb").update_item(
        TableName=settings().table, Key={"pk": {"S": f"challenge#{challenge_id}"}},
        UpdateExpression="SET expires_at = :past",
        ExpressionAttributeValues={":past": {"N": str(int(time.time()) - 1)}})


def test_expired_code_and_link(browser: Browser, new_browser: Any, user: str) -> None:
    _, code, token = request_mail(browser, user)
    expire(browser.jar[FLOW])
    assert browser.post("/auth/sign-in/code", {"code": code}).status == 401
    assert new_browser().post("/auth/sign-in/link", {"token": token}).status == 401


def test_a_new_request_invalidates_the_earlier_code_and_link(browser: Browser, new_browser: Any,
                                                            user: str) -> None:
    _, old_code, old_token = request_mail(browser, user)
    old_flow = browser.jar[FLOW]
    _, new_code, _ = request_mail(browser, user)
    stale = new_browser()
    stale.jar[FLOW] = old_flow
    assert stale.post("/auth/sign-in/code", {"code": old_code}).status == 401
    assert new_browser().post("/auth/sign-in/link", {"token": old_token}).status == 401
    assert browser.post("/auth/sign-in/code", {"code": new_code}).status == 200


def test_another_accounts_code_and_link(browser: Browser, new_browser: Any, user: str) -> None:
    create_user("bob@example.com")
    _, ada_code, ada_token = request_mail(browser, user)
    bob = new_browser()
    _, bob_code, bob_token = request_mail(bob, "bob@example.com")
    # Ada's code in Bob's flow, and a token whose clear id names Bob's challenge.
    if ada_code != bob_code:
        assert bob.post("/auth/sign-in/code", {"code": ada_code}).status == 401
    bob_id, ada_cipher = bob_token.split(".")[0], ada_token.split(".")[1]
    assert new_browser().post("/auth/sign-in/link", {"token": f"{bob_id}.{ada_cipher}"}).status == 401
    assert bob.post("/auth/sign-in/code", {"code": bob_code}).status == 200


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-4] + ("AAAA" if not t.endswith("AAAA") else "BBBB"),   # tampered ciphertext
    lambda t: t.split(".")[0],                                           # clear part only
    lambda t: "x" * 40 + "." + t.split(".")[1],                          # unknown challenge id
    lambda t: t + "." + t,                                               # extra segments
    lambda t: "",
])
def test_tampered_links_all_give_invalid_link(browser: Browser, new_browser: Any, user: str, mangle: Any) -> None:
    _, _, token = request_mail(browser, user)
    reply = new_browser().post("/auth/sign-in/link", {"token": mangle(token)})
    assert (reply.status, reply.body) == (401, {"error": {
        "code": "invalid_link", "message": "This sign-in link is not valid any more. Ask for a new one."}})
    assert new_browser().post("/auth/sign-in/link", {"token": token}).status == 200


def test_a_token_from_another_stage_is_foreign(browser: Browser, new_browser: Any, user: str,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.signin import linktoken

    _, _, token = request_mail(browser, user)
    challenge_id = token.split(".")[0]
    payload = linktoken.LinkPayload(challenge_id, "nonce", user, int(time.time()) + 600)
    monkeypatch.setenv("SESAME_STAGE", "prod")
    settings.cache_clear()
    foreign = linktoken.seal(payload)  # same key, other stage's EncryptionContext
    monkeypatch.setenv("SESAME_STAGE", "local")
    settings.cache_clear()
    assert new_browser().post("/auth/sign-in/link", {"token": foreign}).status == 401


def test_twenty_parallel_redemptions_of_one_link_make_one_session(
        browser: Browser, new_browser: Any, user: str) -> None:
    _, _, token = request_mail(browser, user)
    browsers = [new_browser() for _ in range(20)]
    with ThreadPoolExecutor(max_workers=20) as pool:
        replies = list(pool.map(lambda b: b.post("/auth/sign-in/link", {"token": token}), browsers))
    statuses = sorted(r.status for r in replies)
    assert statuses == [200] + [401] * 19, statuses


def test_get_and_head_of_the_link_page_consume_nothing(browser: Browser, new_browser: Any, user: str) -> None:
    _, _, token = request_mail(browser, user)
    scanner = new_browser()
    for method in ("GET", "HEAD", "GET"):
        reply = scanner.request(method, f"/sign-in/link?token={token}")  # even a scanner that rewrites the URL
        assert reply.status == 200 and reply.headers["Referrer-Policy"] == "no-referrer"
        assert reply.set_cookies == []
    assert new_browser().post("/auth/sign-in/link", {"token": token}).status == 200
