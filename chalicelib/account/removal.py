"""Removing an account, the one path for an operator's delete, the owner's own
and the clean-up of unproven sign-ups: every session ends, then its pending
challenges, known browsers, passkeys and the Cognito user go.
Audit records stay, keyed by hash."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib import accounts, audit, events
from chalicelib.passkeys import store
from chalicelib.sessions import devices, flow
from chalicelib.signin import addresses, challenges


@dataclass(frozen=True)
class Removed:
    """What went with an account (an operator's delete lists it)."""

    sessions: int
    passkeys: list[str]  # their names


def remove(sub: str, email: str, actor: str) -> Removed:
    """Remove the account ``sub`` (address ``email``); ``actor``: ``self``,
    ``cleanup`` or ``admin:<caller>``, for its event."""
    email_hash = addresses.email_hash(email)
    sessions = flow.end_all(sub)
    challenges.forget(email_hash)
    devices.forget(email_hash)
    passkeys = store.of_user(sub)
    for passkey in passkeys:
        store.remove(passkey)
    accounts.delete(sub)
    audit.note(user_sub=sub, email_hash=email_hash)
    events.publish(events.ACCOUNT_DELETED, sub, email_hash, actor=actor)
    return Removed(sessions, [passkey.name for passkey in passkeys])
