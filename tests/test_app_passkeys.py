"""Passkey routes over HTTP: the options' shape, and every refusal. The whole
ceremony with a real authenticator is in tests/frontend/test_passkeys_page.py."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from devstack.browser import Browser
from tests.conftest import sign_in

WEBAUTHN = "__Host-sesame-webauthn"


def test_registration_options_need_a_session_and_ask_for_a_discoverable_verified_passkey(
        browser: Browser, user: str) -> None:
    assert browser.post("/auth/passkeys/registration-options").status == 401
    sign_in(browser, user)
    reply = browser.post("/auth/passkeys/registration-options")
    assert reply.status == 200
    options = reply.body["publicKey"]
    assert options["rp"]["id"] == "localhost"
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert options["attestation"] == "none" and options["excludeCredentials"] == []
    handle = base64.urlsafe_b64decode(options["user"]["id"] + "==")
    assert len(handle) == 32 and user.encode() not in handle  # a random opaque handle, never the address
    again = browser.post("/auth/passkeys/registration-options").body["publicKey"]
    assert again["user"]["id"] == options["user"]["id"] and again["challenge"] != options["challenge"]
    cookie = reply.cookie(WEBAUTHN)
    assert (cookie["max-age"], cookie["samesite"], cookie["httponly"]) == ("300", "Strict", "true")


def test_sign_in_options_ask_for_no_address(browser: Browser) -> None:
    reply = browser.post("/auth/sign-in/passkey/options")
    assert reply.status == 200
    options = reply.body["publicKey"]
    assert options["rpId"] == "localhost" and options["userVerification"] == "required"
    assert not options.get("allowCredentials")  # discoverable credentials: the authenticator knows who
    assert len(base64.urlsafe_b64decode(options["challenge"] + "==")) >= 32
    assert reply.cookie(WEBAUTHN)["value"]


@pytest.mark.parametrize("credential", [
    None, "x", {"id": "short"}, {"id": "A" * 43, "rawId": "A" * 43, "type": "public-key", "response": {}},
    {"id": "A" * 43, "response": {"clientDataJSON": "e30", "authenticatorData": "AA", "signature": "AA"}},
])
def test_a_bad_or_unknown_credential_is_one_answer(browser: Browser, credential: Any) -> None:
    browser.post("/auth/sign-in/passkey/options")
    reply = browser.post("/auth/sign-in/passkey", {"credential": credential})
    assert (reply.status, reply.body["error"]["code"]) == (401, "invalid_passkey")
    assert not [c for c in reply.set_cookies if c.startswith("__Host-sesame-access=")]


def test_registering_junk_is_an_invalid_passkey(browser: Browser, user: str) -> None:
    sign_in(browser, user)
    browser.post("/auth/passkeys/registration-options")
    reply = browser.post("/auth/passkeys", {"credential": {"id": "A" * 43, "response": {}}})
    assert (reply.status, reply.body["error"]["code"]) == (401, "invalid_passkey")
    assert browser.get("/auth/passkeys").body == {"passkeys": []}


def test_listing_and_removing_need_a_session_and_ones_own_id(browser: Browser, user: str) -> None:
    assert browser.get("/auth/passkeys").status == 401
    sign_in(browser, user)
    reply = browser.request("DELETE", "/auth/passkeys/not-mine", {})
    assert (reply.status, reply.body["error"]["code"]) == (404, "not_found")
