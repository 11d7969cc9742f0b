"""Sign-ups whose address is not proven yet, marked as such.

A sign-up's account is created only after its code or link checked out (the
API checks it before Cognito sees it), with a ``signup#<sub>`` item beside
it. The item goes once the sign-in completes. The hourly clean-up removes
accounts that carry the mark and are still unproven a day later: never an
established account, whatever its ``email_verified`` says (an address an
operator edited is unproven too, and has no mark).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib import accounts, aws, batch
from chalicelib.account import removal
from chalicelib.config import settings

MAX_AGE = timedelta(hours=24)
_KEEP = 30 * 86400  # a mark outlives any clean-up that could need it


BATCH = 100  # keys per BatchGetItem (DynamoDB's limit)


def _key(sub: str) -> dict[str, Any]:
    return {"pk": {"S": f"signup#{sub}"}}


def create(email: str) -> None:
    """Create the sign-up's account, unproven and marked, unless it exists already
    (two redeems raced, or it is a leftover: its code proves it all the same)."""
    try:
        sub = accounts.create(email, proven=False)
    except accounts.AccountExists:
        return
    try:
        aws.client("dynamodb").put_item(TableName=settings().table, Item={
            **_key(sub), "created_at": {"N": str(int(time.time()))}, "ttl": {"N": str(int(time.time()) + _KEEP)}})
    except Exception:
        accounts.delete(sub)  # no account without its mark: the clean-up could never find it
        raise


def proven(sub: str) -> None:
    """The sign-up signed in through its mailbox: it is an account like any other."""
    aws.client("dynamodb").delete_item(TableName=settings().table, Key=_key(sub))


def leftovers(subs: list[str]) -> set[str]:
    """Which of ``subs`` are sign-ups whose address is not proven yet (the clean-up removes
    them after ``MAX_AGE``): one BatchGetItem per 100 (its limit), not a read each."""
    found: set[str] = set()
    for start in range(0, len(subs), BATCH):
        keys = [_key(sub) for sub in dict.fromkeys(subs[start:start + BATCH])]
        found |= {item["pk"]["S"].removeprefix("signup#") for item in batch.get(settings().table, keys)}
    return found


def _marked(sub: str) -> bool:
    return "Item" in aws.client("dynamodb").get_item(TableName=settings().table, Key=_key(sub),
                                                     ConsistentRead=True)


def remove_leftovers(older_than: timedelta = MAX_AGE) -> int:
    """Remove marked sign-ups still unproven after ``older_than``, through the same
    path as an operator's delete; returns how many."""
    removed = 0
    for sub, email in accounts.unproven_before(datetime.now(UTC) - older_than):
        if _marked(sub):
            removal.remove(sub, email, actor="cleanup")
            proven(sub)  # the mark goes last: a clean-up cut short finds the account again
            removed += 1
    return removed
