"""Who owns an account, tried as an attacker would: through the HTTP API, a
user's own Cognito calls, the operator's calls and the clean-up Lambda, never
by calling internals. Each test is one attack and what stops it."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from botocore.exceptions import ClientError

from chalicelib import aws
from chalicelib.config import settings
from devstack.browser import Browser
from devstack.stack import LocalStack
from tests.accountkit import (
    ACCESS,
    SAFARI,
    age_accounts,
    attributes,
    enrol,
    not_me_token,
    passkey_sign_in,
    run_cleanup,
    signed_in,
    user_client,
)
from tests.conftest import code_and_token, inbox


def test_a_users_access_token_cannot_write_the_address(browser: Browser, stack: LocalStack, idp: Any,
                                                       user: str) -> None:
    signed_in(browser, user)
    token, own = browser.jar[ACCESS], user_client(stack)
    for written in ({"Name": "email", "Value": "victim@example.com"}, {"Name": "email_verified", "Value": "true"}):
        with pytest.raises(ClientError) as refused:
            own.update_user_attributes(AccessToken=token, UserAttributes=[written])
        assert refused.value.response["Error"]["Code"] == "NotAuthorizedException"
    own.update_user_attributes(AccessToken=token, UserAttributes=[{"Name": "name", "Value": "Ada"}])  # writable
    assert attributes(idp, user)["email"] == user and attributes(idp, user)["name"] == "Ada"


def test_a_passkey_tap_proves_no_address(browser: Browser, new_browser: Any, stack: LocalStack, idp: Any,
                                         user: str) -> None:
    signed_in(browser, user)
    passkey = enrol(browser, stack.env["SESAME_PUBLIC_URL"])
    # The address now names someone else's mailbox, unproven (an operator's edit: users cannot write it).
    idp.admin_update_user_attributes(UserPoolId=settings().user_pool_id, Username=user, UserAttributes=[
        {"Name": "email", "Value": "victim@example.com"}, {"Name": "email_verified", "Value": "false"}])
    assert passkey_sign_in(new_browser(), passkey).status == 200
    assert attributes(idp, "victim@example.com")["email_verified"] == "false"


def test_this_wasnt_me_removes_the_intruders_passkey_and_keeps_the_owners(
        browser: Browser, new_browser: Any, stack: LocalStack, user: str) -> None:
    origin = stack.env["SESAME_PUBLIC_URL"]
    signed_in(browser, user)
    owners = enrol(browser, origin, "Owner's laptop")
    time.sleep(1.1)  # the owner's passkey is older than the intruder's sign-in, to the second
    intruder = new_browser()
    signed_in(intruder, user, SAFARI)  # one stolen code is enough
    intruders = enrol(intruder, origin, "Not mine")
    reply = new_browser().post("/auth/not-me", {"token": not_me_token(user)})
    assert reply.status == 200
    assert reply.body == {"status": "secured", "sessions_ended": 2, "passkeys_removed": ["Not mine"],
                          "address_restored": False}
    again = passkey_sign_in(new_browser(), intruders)
    assert (again.status, again.body["error"]["code"]) == (401, "invalid_passkey")
    assert passkey_sign_in(new_browser(), owners).status == 200
    secured = next(m for m in inbox(user) if m["subject"] == "Your Sesame account was secured")
    assert "Not mine" in secured["text"] and "Owner's laptop" not in secured["text"]
    assert "2 signed-in devices" in secured["text"]


def test_removing_a_passkey_tells_the_account(browser: Browser, stack: LocalStack, user: str) -> None:
    signed_in(browser, user)
    enrol(browser, stack.env["SESAME_PUBLIC_URL"], "Old phone")
    pid = browser.get("/auth/passkeys").body["passkeys"][0]["id"]
    assert browser.request("DELETE", f"/auth/passkeys/{pid}", {}, headers={"User-Agent": SAFARI}).status == 204
    removed = [m for m in inbox(user) if m["subject"] == "A passkey was removed from your Sesame account"]
    assert len(removed) == 1 and "Old phone" in removed[0]["text"] and "Safari on Mac OS X" in removed[0]["text"]


def test_the_clean_up_never_removes_an_established_account(browser: Browser, stack: LocalStack, idp: Any,
                                                           user: str) -> None:
    signed_in(browser, user)
    idp.admin_update_user_attributes(UserPoolId=settings().user_pool_id, Username=user, UserAttributes=[
        {"Name": "email", "Value": "ada.new@example.com"}, {"Name": "email_verified", "Value": "false"}])
    age_accounts()
    assert run_cleanup() == {"removed": 0}
    assert attributes(idp, "ada.new@example.com")["email"] == "ada.new@example.com"
    assert browser.get("/auth/session").status == 200


def _fail_once(operation: str) -> Any:
    """The API's next ``operation`` fails as an AWS outage would, once."""
    fired: list[bool] = []

    def fail(**_: Any) -> None:
        if not fired:
            fired.append(True)
            raise ClientError({"Error": {"Code": "ServiceUnavailable", "Message": "injected"}}, operation)
    with aws.acting_as("api_handler"):
        aws.client("cognito-idp", runs_triggers=True).meta.events.register(
            f"before-call.cognito-idp.{operation}", fail)
    return fired


def test_the_clean_up_removes_a_marked_leftover_through_the_delete_path(
        browser: Browser, stack: LocalStack, idp: Any) -> None:
    email = "half@example.com"
    assert browser.post("/auth/sign-in", {"email": email}).status == 202
    code, _ = code_and_token(inbox(email)[0])
    fired = _fail_once("AdminInitiateAuth")
    assert browser.post("/auth/sign-in/code", {"code": code}).status == 503 and fired
    assert attributes(idp, email)["email_verified"] == "false"  # a leftover: created, never signed in
    age_accounts()
    assert run_cleanup() == {"removed": 1}
    with pytest.raises(ClientError):
        idp.admin_get_user(UserPoolId=settings().user_pool_id, Username=email)
    assert browser.post("/auth/sign-in/code", {"code": code}).status == 401  # its challenge went too


@pytest.mark.parametrize("answer", ["code", "link"])
def test_a_wrong_sign_up_answer_creates_nobody(browser: Browser, stack: LocalStack, idp: Any, answer: str) -> None:
    email = "nobody@example.com"
    assert browser.post("/auth/sign-in", {"email": email}).status == 202
    code, _ = code_and_token(inbox(email)[0])
    if answer == "code":
        reply = browser.post("/auth/sign-in/code", {"code": "000000" if code != "000000" else "111111"})
    else:
        reply = browser.post("/auth/sign-in/link", {"token": browser.jar["__Host-sesame-flow"] + "." + "A" * 200})
    assert reply.status == 401
    assert idp.list_users(UserPoolId=settings().user_pool_id)["Users"] == []


def test_a_this_wasnt_me_link_works_once_under_concurrency(browser: Browser, new_browser: Any, user: str) -> None:
    signed_in(browser, user)
    signed_in(new_browser(), user, SAFARI)
    token = not_me_token(user)
    clickers = [new_browser() for _ in range(8)]
    with ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(lambda b: b.post("/auth/not-me", {"token": token}), clickers))
    statuses = sorted(r.status for r in replies)
    assert statuses == [200] + [410] * 7, statuses
    assert {r.body["error"]["code"] for r in replies if r.status == 410} == {"link_used"}
    assert len([m for m in inbox(user) if m["subject"] == "Your Sesame account was secured"]) == 1
