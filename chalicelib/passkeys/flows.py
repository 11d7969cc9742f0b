"""What the passkey routes do: enrol (signed in), list, remove, and sign in.

A ceremony's challenge is bound to the browser by the ``__Host-sesame-webauthn``
cookie (Strict, five minutes). A sign-in goes through Cognito custom auth
like a code or link: the Verify trigger checks the assertion.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

from chalicelib import accounts, audit, cookies, errors, events, limits, mail, sessions, stepup, tokens, web
from chalicelib.limits import Bucket
from chalicelib.passkeys import ceremony, store
from chalicelib.sessions import devices
from chalicelib.signin import addresses
from chalicelib.signin.flow import SignedIn
from sesame_verify.headers import cookie

COOKIE = cookies.WEBAUTHN
MAX_NAME = 64


def _flow_cookie(flow_id: str) -> str:
    return cookies.build(COOKIE, flow_id, max_age=store.CHALLENGE_SECONDS)


def registration_options(headers: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    me = stepup.require_recent(headers)
    options, flow_id = ceremony.registration_options(me.sub, me.email)
    return {"publicKey": options}, [_flow_cookie(flow_id)]


def register(headers: Mapping[str, Any], body: dict[str, Any], client: devices.Client) -> dict[str, Any]:
    me = stepup.require_recent(headers)
    device = devices.label(client.user_agent)
    name = web.text_field(body, "name", MAX_NAME) or device[:MAX_NAME]
    try:
        passkey = ceremony.register(me.sub, addresses.email_hash(me.email), cookie(headers, COOKIE),
                                    body.get("credential"), name, me.sid)
    except ceremony.InvalidPasskey:
        raise errors.InvalidPasskey()
    # The account hears of every new way in (NIST SP 800-63B-4 section 4.1.2). The passkey is
    # stored already: a notice that cannot be sent is logged, never answered as a failed add.
    audit.best_effort("passkey.notice_failed", lambda: mail.send_passkey_added(
        me.email, passkey.name, device, passkey.created_at, client.locale))
    events.publish(events.PASSKEY_ADDED, me.sub, passkey.email_hash, device=device, passkey_id=passkey.pid,
                   session_id=me.sid)
    return passkey.public()


def listing(headers: Mapping[str, Any]) -> list[dict[str, Any]]:
    me = sessions.current(headers).record
    return [p.public() for p in store.of_user(me.sub)]


def remove(headers: Mapping[str, Any], pid: str, client: devices.Client) -> None:
    me = stepup.require_recent(headers)
    found = [p for p in store.of_user(me.sub) if p.pid == pid]
    if not found:
        raise errors.NotFound()
    store.remove(found[0])
    device = devices.label(client.user_agent)
    # Every way in that goes is told too: an intruder cannot remove the owner's passkeys silently.
    audit.best_effort("passkey.notice_failed", lambda: mail.send_passkey_removed(
        me.email, found[0].name, device, int(time.time()), client.locale))
    events.publish(events.PASSKEY_REMOVED, me.sub, found[0].email_hash, device=device, passkey_id=pid,
                   session_id=me.sid)


def sign_in_options() -> tuple[dict[str, Any], list[str]]:
    options, flow_id = ceremony.authentication_options()
    return {"publicKey": options}, [_flow_cookie(flow_id)]


def sign_in(headers: Mapping[str, Any], body: dict[str, Any], client: devices.Client) -> SignedIn:
    """Sign in with a passkey's assertion. Every failure is ``InvalidPasskey``."""
    credential = body.get("credential")
    try:
        key: str | None = store.pk(ceremony.credential_id(credential))
    except ceremony.InvalidPasskey:
        key = None
    # The passkey is read with the IP's bucket; unknown credentials count against the IP too.
    item = limits.hit_fetching(Bucket("passkey_ip", client.ip), key, limits.passkey_cap)
    passkey = store.from_item(item) if item else None
    flow_id = cookie(headers, COOKIE)
    if passkey is None or not flow_id:
        raise errors.InvalidPasskey()
    audit.note(email_hash=passkey.email_hash, user_sub=passkey.sub)
    try:
        result = accounts.sign_in(passkey.sub, json.dumps(credential, separators=(",", ":")),
                                  {"method": "passkey", "challenge": flow_id})
    except accounts.AuthFailed:
        limits.add(Bucket("passkey_failures", passkey.email_hash))
        raise errors.InvalidPasskey()
    session = tokens.session_from(result)
    jar = session.cookies + sessions.begin(session, "passkey", client) + cookies.clear(COOKIE)
    return SignedIn(session, "/", jar)
