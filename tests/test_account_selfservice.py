"""An owner changes their address or deletes their account, over HTTP:
the new mailbox proves itself, the old one can undo, nothing tells whether
an address has an account, and a deleted account's cookies are dead."""

from __future__ import annotations

import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from chalicelib.config import settings
from devstack.browser import Browser
from devstack.stack import LocalStack
from tests.accountkit import attributes, enrol, not_me_token, passkey_sign_in, signed_in
from tests.conftest import code_and_token, create_user, inbox

NEW = "ada.lovelace@example.org"
CHANGED = "The address of your Sesame account changed"


def _request_change(browser: Browser, email: str = NEW) -> Any:
    reply = browser.post("/auth/account/email", {"email": email})
    assert (reply.status, reply.body) == (202, {"status": "sent"}), reply.body
    return reply


def test_a_code_from_the_new_mailbox_changes_the_address_and_tells_the_old_one(
        browser: Browser, new_browser: Any, idp: Any, user: str) -> None:
    signed_in(browser, user)
    _request_change(browser)
    message = inbox(NEW)[0]
    assert message["subject"] == "Confirm your new address for Sesame"
    code, _ = code_and_token(message)
    assert new_browser().post("/auth/account/email/code", {"code": code}).status == 401  # the asking browser only
    reply = browser.post("/auth/account/email/code", {"code": code})
    assert (reply.status, reply.body) == (200, {"email": NEW})
    assert attributes(idp, NEW)["email_verified"] == "true"
    assert browser.get("/auth/session").body["user"]["email"] == NEW
    told = [m for m in inbox(user) if m["subject"] == CHANGED]
    assert len(told) == 1 and NEW in told[0]["text"] and "/not-me#token=" in told[0]["text"]
    signed_in(new_browser(), NEW)  # the new address signs in


def test_the_link_confirms_from_any_browser(browser: Browser, new_browser: Any, idp: Any, user: str) -> None:
    signed_in(browser, user)
    _request_change(browser)
    _, token = code_and_token(inbox(NEW)[0])
    assert "/account/email#token=" in inbox(NEW)[0]["text"]
    assert new_browser().post("/auth/sign-in/link", {"token": token}).status == 401  # never a sign-in
    reply = new_browser().post("/auth/account/email/link", {"token": token})
    assert (reply.status, reply.body) == (200, {"email": NEW})
    assert new_browser().post("/auth/account/email/link", {"token": token}).status == 401  # once
    assert attributes(idp, NEW)["email"] == NEW


def test_the_old_address_undoes_the_change_and_secures_the_account(
        browser: Browser, new_browser: Any, stack: LocalStack, idp: Any, user: str) -> None:
    origin = stack.env["SESAME_PUBLIC_URL"]
    signed_in(browser, user)
    owners = enrol(browser, origin, "Owner's")
    time.sleep(1.1)  # older than the intruder's doings, to the second
    intruder = new_browser()
    signed_in(intruder, user)  # one stolen code
    intruders = enrol(intruder, origin, "Intruder's")
    _request_change(intruder)
    code, _ = code_and_token(inbox(NEW)[0])
    assert intruder.post("/auth/account/email/code", {"code": code}).status == 200
    reply = new_browser().post("/auth/not-me", {"token": not_me_token(user, CHANGED)})
    assert reply.status == 200, reply.body
    assert reply.body["address_restored"] is True and reply.body["passkeys_removed"] == ["Intruder's"]
    assert attributes(idp, user)["email"] == user and attributes(idp, user)["email_verified"] == "true"
    assert intruder.get("/auth/session").status == browser.get("/auth/session").status == 401
    assert passkey_sign_in(new_browser(), intruders).status == 401
    assert passkey_sign_in(new_browser(), owners).status == 200
    signed_in(new_browser(), user)


def test_an_address_with_an_account_of_its_own_is_never_revealed_nor_merged(
        browser: Browser, new_browser: Any, idp: Any, user: str) -> None:
    taken = "grace@example.com"
    create_user(taken)
    signed_in(browser, user)
    free = _request_change(browser, "free@example.com")
    browser_two = new_browser()
    signed_in(browser_two, user)
    busy = _request_change(browser_two, taken)
    assert (busy.status, busy.body, sorted(busy.headers)) == (free.status, free.body, sorted(free.headers))
    assert busy.set_cookies == free.set_cookies == []
    told = inbox(taken)[0]
    assert told["subject"] == "Your address and Sesame" and "has a Sesame account already" in told["text"]
    assert "#token=" not in told["text"]
    for code in ("000000", "123456"):
        assert browser_two.post("/auth/account/email/code", {"code": code}).status == 401
    assert attributes(idp, user)["email"] == user and attributes(idp, taken)["email"] == taken


def test_deleting_ones_account_ends_it_everywhere(browser: Browser, new_browser: Any, stack: LocalStack, idp: Any,
                                                  user: str) -> None:
    signed_in(browser, user)
    other = new_browser()
    signed_in(other, user)
    passkey = enrol(browser, stack.env["SESAME_PUBLIC_URL"])
    kept = dict(browser.jar)
    reply = browser.request("DELETE", "/auth/account", {})
    assert reply.status == 204
    assert reply.cookie("__Host-sesame-access")["max-age"] == "0"
    browser.jar.update(kept)  # the old cookies, replayed
    assert browser.get("/auth/session").status == 401 and browser.post("/auth/refresh").status == 401
    assert other.get("/auth/session").status == 401
    assert passkey_sign_in(new_browser(), passkey).status == 401
    with pytest.raises(ClientError):
        idp.admin_get_user(UserPoolId=settings().user_pool_id, Username=user)
    assert [m for m in inbox(user) if m["subject"] == "Your Sesame account was deleted"]


@pytest.mark.parametrize("body", [{"email": "not an address"}, {"email": "ada@example.com"}, {"email": 5}, {}])
def test_a_bad_new_address_is_a_clear_400(browser: Browser, user: str, body: Any) -> None:
    signed_in(browser, user)
    reply = browser.post("/auth/account/email", body)
    assert reply.status == 400 and reply.body["error"]["code"] in ("invalid_email", "invalid_request")
