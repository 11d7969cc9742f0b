"""Proof of a mailbox outside sign-in: the code or link of a step-up or of a
change of address, checked by the API alone. Nothing here signs anyone in or
creates a session; Cognito is not asked.

The same caps apply as at sign-in: the caller's IP per attempt, the
account's failure cap, three wrong codes kill the challenge. A challenge is
current per session (step-up) or per account (change of address), so a new
request kills the last without touching a pending sign-in. The work a proof
allows runs after the challenge is spent; if it fails, the challenge is given
back, so the same email works again.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import TypeVar

from chalicelib import audit, errors
from chalicelib.limits import Bucket
from chalicelib.signin import challenges, codes
from chalicelib.signin import flow as signin

T = TypeVar("T")


def _spend_then(found: challenges.Challenge, refusal: errors.ApiError, work: Callable[[challenges.Challenge], T]) -> T:
    attempt = f"api:{secrets.token_urlsafe(12)}"
    try:
        if not challenges.consume(found.challenge_id, found.email_hash, attempt, attempt, pointer=found.pointer):
            raise refusal
        return work(found)
    except errors.DEPENDENCY_FAILURES:
        audit.best_effort("proof.release_failed", lambda: challenges.release(found.challenge_id, attempt))
        raise


def redeem_code(kind: str, bound_to: str, code: str, ip: str, work: Callable[[challenges.Challenge], T]) -> T:
    """Spend the challenge whose code this is, then do ``work`` with it; ``InvalidCode`` for any other answer."""
    challenge_id = challenges.current(challenges.pointer(kind, bound_to)) if codes.is_well_formed(code) else None
    found = signin.live(challenge_id, Bucket("code_ip", ip), (kind,))
    if found is None or found.bound_to != bound_to or not signin.code_holds(found, code):
        raise errors.InvalidCode()
    return _spend_then(found, errors.InvalidCode(), work)


def redeem_link(kind: str, token: str, ip: str, work: Callable[[challenges.Challenge], T],
                bound_to: str | None = None) -> T:
    """Spend the challenge whose link this is, then do ``work`` with it; ``InvalidLink`` for
    any other token. ``bound_to``: the session or account it must belong to, if known."""
    found = signin.checked_link(token, ip, (kind,), signin.LINKS[kind][0])
    if found is None or (bound_to is not None and found.bound_to != bound_to):
        raise errors.InvalidLink()
    return _spend_then(found, errors.InvalidLink(), work)
