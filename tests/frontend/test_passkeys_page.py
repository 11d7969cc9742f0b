"""Passkeys in real Chromium with a virtual authenticator (the DevTools
protocol's WebAuthn domain: CTAP2, internal transport, resident keys, user
verification): enrol after an email sign-in, sign in with one tap, remove it,
and see a passkey sign-in refused. Screenshots go to artifacts/."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import create_user, inbox
from tests.frontend.conftest import shot, signed_in
from tests.frontend.test_sessions_page import sign_in

EMAIL = "grace@example.com"


@pytest.fixture
def origin(stack: Any, api: str) -> str:
    return str(stack.env["SESAME_PUBLIC_URL"])  # generous limits: several sign-ins a minute


@pytest.fixture
def page(context: Any) -> Iterator[Any]:
    """A page with a virtual platform authenticator that verifies its user."""
    found = context.new_page()
    devtools = context.new_cdp_session(found)
    devtools.send("WebAuthn.enable")
    devtools.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True, "hasUserVerification": True,
        "isUserVerified": True, "automaticPresenceSimulation": True}})
    yield found


def test_enrol_sign_in_with_a_passkey_remove_it_and_be_refused(page: Any) -> None:
    create_user(EMAIL)
    sign_in(page)
    offer = page.locator("#passkey-offer")
    expect(offer).to_be_visible()
    shot(page, "11-passkey-offer")
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.locator("#status")).to_contain_text("Passkey added")
    expect(page.locator("#passkeys li")).to_have_count(1)
    expect(offer).to_be_hidden()
    added = [m for m in inbox(EMAIL) if m["subject"] == "A passkey was added to your Sesame account"]
    assert len(added) == 1 and "HeadlessChrome on Linux" in added[0]["text"]
    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_role("button", name="Sign in with a passkey").click()
    signed_in(page)
    expect(page.locator("#sessions li").first).to_contain_text("passkey")
    expect(offer).to_be_hidden()  # signed in with a passkey: nothing to offer
    shot(page, "12-signed-in-with-a-passkey")
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Remove passkey").click()  # asked first; "Cancel" keeps it
    expect(page.locator("#passkeys li")).to_have_count(1)
    assert asked and "Remove the passkey" in asked[0]
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Remove passkey").click()
    expect(page.locator("#passkeys li")).to_have_count(0)
    page.get_by_role("button", name="Sign out", exact=True).click()
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect(page.locator("#error")).to_contain_text("That passkey did not work")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert page.evaluate("fetch('/auth/session').then(r => r.status)") == 401


def test_the_email_field_offers_passkeys_in_autofill(page: Any) -> None:
    page.goto("/")
    expect(page.get_by_label("Email address")).to_have_attribute("autocomplete", "username webauthn")
    expect(page.get_by_role("button", name="Sign in with a passkey")).to_be_visible()


REPLAY = """async () => {
  const json = { method: "POST", headers: { "Content-Type": "application/json" } };
  const options = await fetch("/auth/sign-in/passkey/options", { ...json, body: "{}" }).then((r) => r.json());
  const credential = await navigator.credentials.get({
    publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options.publicKey) });
  const body = JSON.stringify({ credential: credential.toJSON() });
  const post = () => fetch("/auth/sign-in/passkey", { ...json, body }).then((r) => r.status);
  const first = await post();
  const replayed = await post();
  await fetch("/auth/sign-in/passkey/options", { ...json, body: "{}" });  // a new ceremony, same assertion
  return [first, replayed, await post()];
}"""


def test_an_assertion_signs_in_once_and_only_for_its_own_challenge(page: Any) -> None:
    create_user(EMAIL)
    sign_in(page)
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.locator("#passkeys li")).to_have_count(1)
    page.goto("/sign-in/link")  # a page that starts no passkey request of its own
    assert page.evaluate(REPLAY) == [200, 401, 401]


def test_a_disabled_account_cannot_sign_in_with_its_passkey(page: Any) -> None:
    from sesame_tools import lifecycle

    create_user(EMAIL)
    sign_in(page)
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.locator("#passkeys li")).to_have_count(1)
    lifecycle.disable(EMAIL, caller="local")
    page.goto("/sign-in/link")
    assert page.evaluate(REPLAY)[0] == 401


def test_a_passkey_is_added_even_when_its_notice_cannot_be_sent(page: Any) -> None:
    from botocore.exceptions import ClientError

    from tests.conftest import watch_aws_calls

    create_user(EMAIL)
    sign_in(page)

    def refuse(**_: Any) -> None:
        raise ClientError({"Error": {"Code": "MessageRejected", "Message": "no"}}, "SendEmail")

    watch_aws_calls("before-call.sesv2.SendEmail", refuse, ("sesv2",))
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.locator("#status")).to_contain_text("Passkey added")  # stored: the add succeeded
    expect(page.locator("#passkeys li")).to_have_count(1)
    assert not [m for m in inbox(EMAIL) if m["subject"].startswith("A passkey was added")]
