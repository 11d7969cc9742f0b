"""What an owner does to their whole account, after a recent sign-in
(``chalicelib.stepup``): change its address, or delete it.

Deleting takes the operator's path (``removal``), then mails a confirmation.

The new address gets a code and a link. Redeeming either (the code from the
browser that asked, the link from any) proves that mailbox and changes the
address in one step. The old address is told, with a link that undoes the
change and secures the account ("this wasn't me", a week). Whether the new
address has an account of its own shows nowhere: the request answers the
same, and that address is mailed that it has one. Accounts never merge.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from chalicelib import accounts, audit, errors, events, limits, mail, proof, sessions, stepup
from chalicelib.account import removal
from chalicelib.config import settings
from chalicelib.limits import Bucket
from chalicelib.sessions import devices, notme, records
from chalicelib.signin import addresses, challenges
from chalicelib.signin import flow as signin

KIND = "address_change"


def request(headers: Mapping[str, Any], raw_email: str, client: devices.Client) -> None:
    me = stepup.require_recent(headers)
    try:
        email = addresses.normalize(raw_email)
    except addresses.InvalidEmail:
        raise errors.InvalidEmail()
    if addresses.same_address(email, me.email):
        raise errors.InvalidEmail("That is the account's address already.")
    email_hash = addresses.email_hash(email)
    reservation = limits.reserve(Bucket("sign_in_email_minute", email_hash), Bucket("sign_in_email_hour", email_hash),
                                 Bucket("sign_in_ip_hour", client.ip))
    taken = accounts.standing(email) != "missing"
    # The same work either way: a challenge is stored, and one email goes to the new address.
    mailed = signin.new_challenge(KIND, email, client.locale, redirect=me.sid, bound_to=me.sub, was=me.email)
    signin.send(mailed, reservation, "address_taken" if taken else KIND)


def with_code(headers: Mapping[str, Any], code: str, client: devices.Client) -> str:
    me = sessions.current(headers).record
    return proof.redeem_code(KIND, me.sub, code, client.ip, _apply)


def with_link(token: str, client: devices.Client) -> str:
    return proof.redeem_link(KIND, token, client.ip, _apply)


def _apply(found: challenges.Challenge) -> str:
    """Change the address the challenge proved; returns it. The old one is told. Safe
    to run again after a failure half-way (the challenge is given back then)."""
    sub, new, old = found.bound_to, found.email, found.was
    audit.note(user_sub=sub, email_hash=found.email_hash)
    if not addresses.same_address(accounts.address_of(sub), new):
        try:
            accounts.change_address(sub, new)
        except accounts.AccountExists:
            raise errors.AddressTaken()
    records.readdress(sub, new)
    devices.move(addresses.email_hash(old), found.email_hash)
    challenges.invalidate(addresses.email_hash(old))
    # The undo link removes passkeys added by the asking session, or since it asked.
    asked_at = found.expires_at - settings().code_ttl
    report = notme.Report(session_sid=found.redirect, since=asked_at, restore=old, changed_to=new)
    audit.best_effort("address.notice_failed", lambda: mail.send_address_changed(
        old, new, int(time.time()), notme.link(sub, old, found.locale, report), found.locale))
    events.publish(events.ACCOUNT_EMAIL_CHANGED, sub, found.email_hash)
    return new


def delete(headers: Mapping[str, Any], client: devices.Client) -> None:
    """End every session and remove the account, then confirm to its address."""
    me = stepup.require_recent(headers)
    removal.remove(me.sub, me.email, actor="self")
    audit.best_effort("account.notice_failed", lambda: mail.send_account_deleted(me.email, client.locale))
