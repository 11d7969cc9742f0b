"""Recent authentication before a sensitive change (ASVS 5.0 V7.5).

Adding or removing a passkey, changing the address and deleting the account
need a session whose sign-in (not its last refresh: a stolen refresh cookie
never counts) is at most ``SESAME_REAUTH_MINUTES`` old, or a step-up since.
With ``0``, a sign-in never counts and only a step-up from the last minute
does. Otherwise: ``401 reauth_required``.

A step-up confirms the same account without a new session: a passkey
assertion by one of the account's passkeys, or a code or link mailed to the
signed-in address. It only refreshes the session's authentication time.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

from chalicelib import cookies, errors, limits, proof, sessions
from chalicelib.config import settings
from chalicelib.limits import Bucket
from chalicelib.passkeys import ceremony, store
from chalicelib.sessions import devices, records
from chalicelib.signin import addresses
from chalicelib.signin import flow as signin
from sesame_verify.headers import cookie

STEP_UP_ONLY_WINDOW = 60  # seconds a step-up counts for when sign-ins never do


def is_recent(record: records.Record, now: float) -> bool:
    minutes = settings().reauth_minutes
    if minutes and now - record.created_at <= minutes * 60:
        return True
    window = minutes * 60 if minutes else STEP_UP_ONLY_WINDOW
    return bool(record.stepped_up_at) and now - record.stepped_up_at <= window


def require_recent(headers: Mapping[str, Any]) -> records.Record:
    """The caller's session, if its authentication is recent; ``ReauthRequired`` otherwise."""
    me = sessions.current(headers).record
    if not is_recent(me, time.time()):
        raise errors.ReauthRequired()
    return me


def start(headers: Mapping[str, Any], client: devices.Client) -> tuple[dict[str, Any], list[str]]:
    """Mail a code and link to the signed-in address; the passkey request options
    (one of the account's own passkeys) when it has any."""
    me = sessions.current(headers).record
    email_hash = addresses.email_hash(me.email)
    reservation = limits.reserve(Bucket("sign_in_email_minute", email_hash), Bucket("sign_in_email_hour", email_hash),
                                 Bucket("sign_in_ip_hour", client.ip))
    signin.send(signin.new_challenge("step_up", me.email, client.locale, bound_to=me.origin_jti), reservation,
                "step_up")
    keys = store.of_user(me.sub)
    if not keys:
        return {"status": "sent", "publicKey": None}, []
    options, flow_id = ceremony.authentication_options(me.sub, keys)
    return ({"status": "sent", "publicKey": options},
            [cookies.build(cookies.WEBAUTHN, flow_id, max_age=store.CHALLENGE_SECONDS)])


def with_code(headers: Mapping[str, Any], code: str, client: devices.Client) -> None:
    me = sessions.current(headers).record
    proof.redeem_code("step_up", me.origin_jti, code, client.ip, lambda _: records.step_up(me))


def with_link(headers: Mapping[str, Any], token: str, client: devices.Client) -> None:
    """The link works in the browser whose session asked for it (its cookies), only."""
    me = sessions.current(headers).record
    proof.redeem_link("step_up", token, client.ip, lambda _: records.step_up(me), bound_to=me.origin_jti)


def with_passkey(headers: Mapping[str, Any], credential: object, client: devices.Client) -> list[str]:
    """Check an assertion by one of the account's passkeys; the cookies to clear."""
    me = sessions.current(headers).record
    cap = Bucket("passkey_failures", addresses.email_hash(me.email))
    limits.commit(limits.reserve(Bucket("passkey_ip", client.ip)), caps=(cap,))
    flow_id = cookie(headers, cookies.WEBAUTHN)
    answer = json.dumps(credential, separators=(",", ":"))
    if not flow_id or ceremony.verify_assertion(flow_id, answer, me.sub, "api", kind="step_up") is not None:
        limits.add(cap)
        raise errors.InvalidPasskey()
    records.step_up(me)
    return cookies.clear(cookies.WEBAUTHN)
