"""An attacker who knows only an address learns nothing and locks nothing, and
one hostile cookie breaks nothing. Each test is an attack, over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib import aws, config
from chalicelib.config import settings
from devstack.browser import Browser
from devstack.stack import LocalStack
from tests.accountkit import enrol, passkey_sign_in, signed_in
from tests.conftest import code_and_token, create_user, inbox
from tests.test_app_signin_rules import comparable

FLOW, ACCESS, REFRESH = "__Host-sesame-flow", "__Host-sesame-access", "__Secure-sesame-refresh"
STATES = ("proven", "unknown", "disabled", "suppressed", "unproven")


def _make(state: str, idp: Any) -> str:
    """An address in ``state``."""
    from chalicelib import accounts

    address = f"{state}@example.com"
    if state in ("proven", "disabled", "suppressed"):
        create_user(address)
    if state == "unproven":
        accounts.create(address, proven=False)
    if state == "disabled":
        idp.admin_disable_user(UserPoolId=settings().user_pool_id, Username=address)
    if state == "suppressed":
        aws.client("sesv2").put_suppressed_destination(EmailAddress=address, Reason="BOUNCE")
    return address


@pytest.fixture(params=["open", "closed"])
def sign_up(request: Any, stack: LocalStack, api: str) -> Iterator[str]:
    stack.overrides["SESAME_SIGN_UP"] = request.param
    stack.reset()
    yield request.param
    del stack.overrides["SESAME_SIGN_UP"]
    stack.reset()


@pytest.mark.parametrize("route,answer", [("/auth/sign-in/link/preview", "link"), ("/auth/sign-in/link", "link"),
                                          ("/auth/sign-in/code", "code")])
def test_a_forged_answer_says_the_same_for_every_address(sign_up: str, new_browser: Any, idp: Any, route: str,
                                                         answer: str) -> None:
    replies = {}
    for state in STATES:
        browser = new_browser()
        assert browser.post("/auth/sign-in", {"email": _make(state, idp)}).status == 202
        forged = {"token": browser.jar[FLOW] + "." + "A" * 200} if answer == "link" else {"code": "000000"}
        replies[state] = comparable(browser.post(route, forged))
    assert len(set(map(repr, replies.values()))) == 1, replies
    assert replies["proven"][0] == 401


def test_forged_links_and_a_strangers_requests_lock_the_owner_out_of_nothing(
        stack: LocalStack, api: str, new_browser: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # The stage's limits, with five emails a minute: the hour's five are what a stranger exhausts.
    monkeypatch.setenv("SESAME_LIMITS", json.dumps({"sign_in_email_minute": [5, 60]}))
    owner_email = "owner@example.com"
    create_user(owner_email)
    owner = new_browser().from_address("127.0.0.2")
    signed_in(owner, owner_email)  # the owner's browser is known to the account from now on
    passkey = enrol(owner, stack.env["SESAME_PUBLIC_URL"])
    attacker = new_browser()  # 127.0.0.1
    for _ in range(4):
        assert attacker.post("/auth/sign-in", {"email": owner_email}).status == 202
    assert attacker.post("/auth/sign-in", {"email": owner_email}).status == 429  # the address's hour is used up
    forged = attacker.jar[FLOW] + "." + "A" * 200
    answers = {attacker.post("/auth/sign-in/link", {"token": forged}).status for _ in range(200)}
    assert answers == {401, 429}
    assert owner.post("/auth/sign-in", {"email": owner_email}).status == 202  # the owner's own limits
    _, link = code_and_token(inbox(owner_email)[0])
    assert owner.post("/auth/sign-in/link", {"token": link}).status == 200
    assert passkey_sign_in(new_browser().from_address("127.0.0.3"), passkey).status == 200


def test_a_foreign_cookie_ahead_of_ours_hides_nothing(browser: Browser, new_browser: Any, user: str) -> None:
    browser.jar = {"g_state": '{"i_l":0}', "pref": "dark mode", "a[b]": "1"}
    assert browser.post("/auth/sign-in", {"email": user}).status == 202
    code, _ = code_and_token(inbox(user)[0])
    assert browser.post("/auth/sign-in/code", {"code": code}).status == 200  # the flow cookie was read
    browser.jar = {"g_state": '{"i_l":0}', "pref": "dark mode", **{k: v for k, v in browser.jar.items()
                                                                  if k.startswith("__")}}
    assert browser.get("/auth/session").status == 200
    assert browser.post("/auth/refresh").status == 200
    other = new_browser()
    signed_in(other, user)
    assert browser.post("/auth/sign-out?everywhere=1").status == 204
    assert other.get("/auth/session").status == 401


def test_sign_out_everywhere_needs_only_the_refresh_cookie(browser: Browser, new_browser: Any, user: str) -> None:
    signed_in(browser, user)
    other = new_browser()
    signed_in(other, user)
    del browser.jar[ACCESS]  # expired, or the tab was idle
    assert browser.post("/auth/sign-out?everywhere=1").status == 204
    assert other.get("/auth/session").status == 401 and other.post("/auth/refresh").status == 401
    nothing = new_browser().post("/auth/sign-out?everywhere=1")
    assert (nothing.status, nothing.body) == (200, {"status": "nothing_to_revoke"})


def test_a_tossed_refresh_cookie_moves_nobody_into_another_account(browser: Browser, new_browser: Any,
                                                                   user: str) -> None:
    signed_in(browser, user)
    attacker = new_browser()
    create_user("mallory@example.com")
    signed_in(attacker, "mallory@example.com")
    tossed, mine, access = attacker.jar[REFRESH], browser.jar[REFRESH], browser.jar[ACCESS]
    # A sibling subdomain sets a second refresh cookie of the same name: both are sent.
    twice = browser.request("POST", "/auth/refresh", {}, headers={
        "Cookie": f"{ACCESS}={access}; {REFRESH}={mine}; {REFRESH}={tossed}"})
    assert twice.status == 401 and twice.cookie(REFRESH)["max-age"] == "0"
    # The victim's access cookie beside the attacker's refresh cookie alone: still refused.
    crossed = browser.request("POST", "/auth/refresh", {}, headers={"Cookie": f"{ACCESS}={access}; {REFRESH}={tossed}"})
    assert crossed.status == 401
    alone = {"Cookie": f"{ACCESS}={access}; {REFRESH}={mine}"}
    mine_alone = browser.request("POST", "/auth/refresh", {}, headers=alone)
    assert mine_alone.status == 200 and browser.get("/auth/session").body["user"]["email"] == user


@pytest.mark.parametrize("redirect", ["/sign-in/link#token=abc.def", "/auth/sign-in/link", "/not-me",
                                      "/%61uth/session", "/x/../sign-in/link", "/dashboard#token=abc", "/STEP-UP"])
def test_a_redirect_never_leads_into_sesames_own_pages(browser: Browser, user: str, redirect: str) -> None:
    browser.post("/auth/sign-in", {"email": user, "redirect": redirect})
    code, _ = code_and_token(inbox(user)[0])
    assert browser.post("/auth/sign-in/code", {"code": code}).body["redirect"] == "/"


def test_a_mixed_case_console_account_signs_in_with_its_code(browser: Browser, idp: Any) -> None:
    address = "Ada.Lovelace@Example.com"
    idp.admin_create_user(UserPoolId=settings().user_pool_id, Username=address, MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": address},
                                          {"Name": "email_verified", "Value": "true"}])
    assert browser.post("/auth/sign-in", {"email": address}).status == 202
    code, _ = code_and_token(inbox(address.lower())[0])
    reply = browser.post("/auth/sign-in/code", {"code": code})
    assert reply.status == 200, reply.body


def test_a_credential_stored_already_is_an_invalid_passkey(browser: Browser, new_browser: Any, stack: LocalStack,
                                                           user: str) -> None:
    signed_in(browser, user)
    passkey = enrol(browser, stack.env["SESAME_PUBLIC_URL"])
    other = new_browser()
    create_user("grace@example.com")
    signed_in(other, "grace@example.com")
    options = other.post("/auth/passkeys/registration-options").body["publicKey"]
    reply = other.post("/auth/passkeys", {"credential": passkey.create(options)})
    assert (reply.status, reply.body["error"]["code"]) == (401, "invalid_passkey")


@pytest.mark.parametrize("name", ["\ud800x", "tab\tname", "\x00"])
def test_a_passkey_name_that_is_not_text_is_a_400(browser: Browser, user: str, name: str) -> None:
    signed_in(browser, user)
    browser.post("/auth/passkeys/registration-options")
    reply = browser.post("/auth/passkeys", {"credential": {"id": "A" * 43}, "name": name})
    assert (reply.status, reply.body["error"]["code"]) == (400, "invalid_request")


def test_a_lone_surrogate_anywhere_is_a_400(browser: Browser) -> None:
    for path, body in (("/auth/sign-in", {"email": "\ud800@example.com"}), ("/auth/sign-in/link", {"token": "\udfff"}),
                       ("/auth/sign-in/code", {"code": "\ud800"})):
        reply = browser.post(path, body)
        assert (reply.status, reply.body["error"]["code"]) == (400, "invalid_request"), path


@pytest.fixture
def https_stage(monkeypatch: pytest.MonkeyPatch, stack: LocalStack) -> Iterator[Any]:
    def serve(include_subdomains: bool) -> None:
        monkeypatch.setenv("SESAME_PUBLIC_URL", "https://auth.example.com")
        monkeypatch.setenv("SESAME_HSTS_INCLUDE_SUBDOMAINS", "1" if include_subdomains else "0")
        config.settings.cache_clear()
    yield serve
    monkeypatch.undo()
    config.settings.cache_clear()


def test_strict_transport_security_on_every_https_response(browser: Browser, https_stage: Any) -> None:
    assert "Strict-Transport-Security" not in browser.get("/auth/health").headers  # the local stage: plain http
    https_stage(False)
    for path in ("/auth/health", "/", "/auth/session", "/static/app.js"):
        assert browser.get(path).headers["Strict-Transport-Security"] == "max-age=63072000", path
    https_stage(True)
    assert browser.get("/auth/health").headers["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains"
    headers = browser.get("/auth/health").headers
    assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"


def test_every_address_costs_the_same_aws_calls(sign_up: str, new_browser: Any, idp: Any) -> None:
    """The same work for every state, call for call (the time is bench/bench_signin.py's)."""
    from tests.test_app_signin_rules import CallCounter

    def stranger(address: str) -> None:
        browser = new_browser()
        browser.post("/auth/sign-in", {"email": address})
        browser.post("/auth/sign-in/code", {"code": "000000"})
        browser.post("/auth/sign-in/link/preview", {"token": browser.jar[FLOW] + "." + "A" * 200})

    addresses = {state: _make(state, idp) for state in STATES}
    stranger("warm@example.com")  # the SSM secrets, cached
    counter = CallCounter()
    counter.install()
    work = {}
    for state, address in addresses.items():
        counter.calls.clear()
        stranger(address)
        work[state] = dict(counter.calls)
    for state, calls in work.items():
        assert calls == work["proven"], (state, calls, work["proven"])


def test_a_link_sealed_under_another_key_is_an_invalid_link(browser: Browser, user: str) -> None:
    # KMS answers IncorrectKeyException when the ciphertext is another key's (devstack: moto_patch).
    import base64

    assert browser.post("/auth/sign-in", {"email": user}).status == 202
    challenge_id = browser.jar[FLOW]
    kms = aws.client("kms")
    other = kms.create_key(Description="another key")["KeyMetadata"]["KeyId"]
    payload = json.dumps({"c": challenge_id, "n": "x", "e": user, "x": 4102444800}).encode()
    blob = kms.encrypt(KeyId=other, Plaintext=payload, EncryptionContext={
        "purpose": "sesame-sign-in-link", "stage": "local"})["CiphertextBlob"]
    token = f"{challenge_id}.{base64.urlsafe_b64encode(blob).decode().rstrip('=')}"
    for path in ("/auth/sign-in/link", "/auth/sign-in/link/preview"):
        reply = browser.post(path, {"token": token})
        assert (reply.status, reply.body["error"]["code"]) == (401, "invalid_link"), path
