"""Proof of a mailbox outside sign-in: the code or link of a step-up or of a
change of address, checked by the API alone. Nothing here signs anyone in or
creates a session; Cognito is not asked.

The same caps apply as at sign-in: the caller's IP per attempt, the
account's failure cap, three wrong codes kill the challenge. A challenge is
current per session (step-up) or per account (change of address), so a new
request kills the last without touching a pending sign-in.
"""

from __future__ import annotations

import secrets

from chalicelib import challenges, codes, errors, linktoken, signin
from chalicelib.limits import Bucket


def _spend(found: challenges.Challenge, refusal: errors.ApiError) -> None:
    attempt = f"api:{secrets.token_urlsafe(12)}"
    if not challenges.consume(found.challenge_id, found.email_hash, attempt, attempt, pointer=found.pointer):
        raise refusal


def redeem_code(kind: str, bound_to: str, code: str, ip: str) -> challenges.Challenge:
    """The challenge whose code this is (spent now); ``InvalidCode`` for any other answer."""
    challenge_id = challenges.current(challenges.pointer(kind, bound_to)) if codes.is_well_formed(code) else None
    found = signin.live(challenge_id, Bucket("code_ip", ip), (kind,))
    if found is None or found.bound_to != bound_to or not signin.answer_holds(found, "code", code):
        raise errors.InvalidCode()
    _spend(found, errors.InvalidCode())
    return found


def redeem_link(kind: str, token: str, ip: str, bound_to: str | None = None) -> challenges.Challenge:
    """The challenge whose link this is (spent now); ``InvalidLink`` for any other
    token. ``bound_to``: the session or account it must belong to, if known."""
    try:
        challenge_id: str | None = linktoken.challenge_id_of(token)
    except linktoken.InvalidLink:
        challenge_id = None  # still counted against the IP
    found = signin.live(challenge_id, Bucket("link_ip", ip), (kind,))
    if (found is None or (bound_to is not None and found.bound_to != bound_to)
            or not signin.answer_holds(found, "link", token)):
        raise errors.InvalidLink()
    _spend(found, errors.InvalidLink())
    return found
