"""Steps the account-integrity tests share: sign in with a browser of one's
choice, enrol and use a passkey over HTTP, read "this wasn't me" links back
from SES, call Cognito as a signed-in user would, run the clean-up job."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from botocore import UNSIGNED
from botocore.config import Config

from chalicelib import aws
from chalicelib.config import settings
from devstack.browser import Browser
from devstack.stack import REGION, LocalStack
from tests.authenticator import Passkey
from tests.conftest import code_and_token, inbox, load_event

ACCESS = "__Host-sesame-access"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/17.5 Safari/605.1.15")
NOT_ME = re.compile(r"/not-me#token=([A-Za-z0-9_.-]+)")


def signed_in(browser: Browser, email: str, agent: str = FIREFOX) -> Any:
    """Sign ``browser`` in with the newest code mailed to ``email``."""
    assert browser.post("/auth/sign-in", {"email": email}).status == 202
    code, _ = code_and_token(inbox(email)[0])
    reply = browser.post("/auth/sign-in/code", {"code": code}, headers={"User-Agent": agent})
    assert reply.status == 200, reply.body
    return reply


def enrol(browser: Browser, origin: str, name: str = "Laptop") -> Passkey:
    """Add a software passkey to the account ``browser`` is signed in to."""
    options = browser.post("/auth/passkeys/registration-options")
    assert options.status == 200, options.body
    passkey = Passkey(origin)
    reply = browser.post("/auth/passkeys", {"credential": passkey.create(options.body["publicKey"]), "name": name})
    assert reply.status == 201, reply.body
    return passkey


def passkey_sign_in(browser: Browser, passkey: Passkey, **assertion: Any) -> Any:
    options = browser.post("/auth/sign-in/passkey/options")
    return browser.post("/auth/sign-in/passkey", {"credential": passkey.get(options.body["publicKey"], **assertion)})


def not_me_token(email: str, subject: str = "New sign-in to Sesame") -> str:
    found = NOT_ME.search(next(m for m in inbox(email) if m["subject"] == subject)["text"])
    assert found
    return found.group(1)


def user_client(stack: LocalStack) -> Any:
    """Cognito as a signed-in user's own app would call it: unsigned, with their access token."""
    return boto3.client("cognito-idp", endpoint_url=stack.endpoint, region_name=REGION,
                        config=Config(signature_version=UNSIGNED))


def attributes(idp: Any, username: str) -> dict[str, str]:
    user = idp.admin_get_user(UserPoolId=settings().user_pool_id, Username=username)
    return {a["Name"]: a["Value"] for a in user["UserAttributes"]}


def age_accounts(days: int = 2) -> None:
    """Make every account of the pool ``days`` older (the emulator's record of its creation)."""
    from moto.cognitoidp.models import cognitoidp_backends

    for backend in (b for account in cognitoidp_backends.values() for b in account.values()):
        for pool in backend.user_pools.values():
            for user in pool.users.values():
                user.create_date = datetime.now(UTC) - timedelta(days=days)


def run_cleanup() -> dict[str, int]:
    """The hourly clean-up Lambda, under its own role, with EventBridge's scheduled event."""
    from app import remove_unproven

    with aws.acting_as("remove_unproven"):
        return dict(remove_unproven(load_event("scheduled"), None))
