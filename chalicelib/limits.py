"""Rate limits in DynamoDB, shared by every Lambda instance.

Windows open at a bucket's first hit: one item per (scope, key) holds the
window's start and count, expiring by TTL. The buckets one request touches
are read in one BatchGetItem and written in one transaction, each write
conditioned on the state read (optimistic concurrency), so a refused request
counts nowhere, an accepted one counts everywhere, and racing requests
cannot both take the last slot. If the table cannot be reached the error propagates and the
request fails closed (503) before anything is sent.

Limits are stage settings (``SESAME_LIMITS`` in ``.chalice/config.json``,
JSON: ``{"name": [count, seconds], ...}``); the defaults are below.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from botocore.exceptions import ClientError

from chalicelib import aws, batch, errors
from chalicelib.config import settings

DEFAULTS: dict[str, tuple[int, int]] = {
    "sign_in_email_minute": (1, 60),     # sign-in emails per address
    "sign_in_email_hour": (5, 3600),
    "sign_in_ip_hour": (20, 3600),       # sign-in emails per source IP
    "link_ip": (30, 300),                # link verifications per source IP
    "code_ip": (30, 300),                # code verifications per source IP
    "passkey_ip": (30, 300),             # passkey sign-ins per source IP
    "account_failures": (100, 3600),     # failed email codes per account (OWASP ASVS 2.2.1)
    "passkey_failures": (100, 3600),     # failed passkey assertions per account: one factor never locks another
    "approval_start_ip": (20, 600),      # device codes and "sign in with your phone" requests per source IP
    "approval_entry_ip": (10, 600),      # user codes typed per source IP (RFC 8628 §5.1)
    "approval_entry_all": (1000, 3600),  # user codes typed, stage-wide: 20^8 codes stay out of reach
}


@dataclass(frozen=True)
class Bucket:
    name: str
    key: str

    def rule(self) -> tuple[int, int]:
        return limits()[self.name]

    @property
    def pk(self) -> str:
        return f"rl#{self.name}#{self.key}"


@dataclass(frozen=True)
class _Seen:
    """A bucket's item as read (start None when there is none) and whether its window is still open."""

    start: int | None
    count: int
    live: bool

    def unchanged(self) -> dict[str, Any]:
        """Write condition: nobody wrote the bucket since we read it."""
        if self.start is None:
            return {"ConditionExpression": "attribute_not_exists(pk)"}
        return {"ConditionExpression": "#s = :seen_start AND #n = :seen_n",
                "ExpressionAttributeNames": {"#s": "start", "#n": "n"},
                "ExpressionAttributeValues": {":seen_start": {"N": str(self.start)},
                                              ":seen_n": {"N": str(self.count)}}}


def limits() -> dict[str, tuple[int, int]]:
    return _parse(os.environ.get("SESAME_LIMITS"))


@lru_cache(maxsize=4)
def _parse(raw: str | None) -> dict[str, tuple[int, int]]:
    # Cached by the setting's text: rule() asks several times per request.
    found = dict(DEFAULTS)
    if raw:
        found.update({k: (int(v[0]), int(v[1])) for k, v in json.loads(raw).items()})
    return found


def _read(buckets: tuple[Bucket, ...], fetch: tuple[str, ...] = ()) -> dict[str, dict[str, Any]]:
    """The buckets' items, and the ``fetch`` items (by pk) read in the same call."""
    table = settings().table
    keys = [{"pk": {"S": pk}} for pk in dict.fromkeys((*fetch, *(b.pk for b in buckets)))]
    # Every limit read, or 503: fail closed.
    return {item["pk"]["S"]: item for item in batch.get(table, keys)}


def _seen(bucket: Bucket, items: dict[str, dict[str, Any]], now: int) -> _Seen:
    item = items.get(bucket.pk)
    if item is None:
        return _Seen(None, 0, live=False)
    start = int(item["start"]["N"])
    # Once the window is over, the next hit opens a new one.
    return _Seen(start, int(item["n"]["N"]), live=start + bucket.rule()[1] > now)


def _counted(bucket: Bucket, seen: _Seen, now: int, *, capped: bool = True) -> dict[str, Any]:
    """The write that counts one hit: an atomic ADD in a live window (increments
    from racing requests all land, none past the limit when ``capped``), else a
    new window."""
    limit, seconds = bucket.rule()
    key = {"TableName": settings().table, "Key": {"pk": {"S": bucket.pk}}}
    if seen.live:
        values = {":one": {"N": "1"}, ":start": {"N": str(seen.start)}}
        if capped:
            values[":limit"] = {"N": str(limit)}
        return {"Update": {**key, "UpdateExpression": "ADD #n :one",
                           "ConditionExpression": "#s = :start" + (" AND #n < :limit" if capped else ""),
                           "ExpressionAttributeNames": {"#s": "start", "#n": "n"},
                           "ExpressionAttributeValues": values}}
    item = {"pk": {"S": bucket.pk}, "start": {"N": str(now)}, "n": {"N": "1"}, "ttl": {"N": str(now + seconds + 60)}}
    return {"Put": {"TableName": settings().table, "Item": item, **seen.unchanged()}}


def _under(bucket: Bucket, now: int) -> dict[str, Any]:
    """A check that a bucket nobody read is under its limit: absent, below it, or its window over."""
    limit, seconds = bucket.rule()
    return {"ConditionCheck": {
        "TableName": settings().table, "Key": {"pk": {"S": bucket.pk}},
        "ConditionExpression": "attribute_not_exists(pk) OR #n < :limit OR #s <= :over",
        "ExpressionAttributeNames": {"#s": "start", "#n": "n"},
        "ExpressionAttributeValues": {":limit": {"N": str(limit)}, ":over": {"N": str(now - seconds)}}}}


@dataclass(frozen=True)
class Reservation:
    """One request's hits, read but not yet written. ``writes`` count them,
    each conditioned on what was read; ``undo`` takes them back if nobody
    counted in between (``refund``)."""

    buckets: tuple[Bucket, ...]
    writes: tuple[dict[str, Any], ...]
    undo: tuple[dict[str, Any], ...]
    fetch: tuple[str, ...] = ()
    fetched: dict[str, dict[str, Any]] = field(default_factory=dict)


def reserve(*buckets: Bucket, fetch: tuple[str, ...] = (),
            pick: Callable[[dict[str, dict[str, Any]]], tuple[Bucket, ...]] | None = None) -> Reservation:
    """Read the buckets; RateLimited if one is full. Nothing is written yet: the
    caller commits the writes, alone (``hit``) or with its own work
    (``commit``), so the count and the work land together or not at all.
    ``fetch``: other items of the table (by pk) the caller needs, read in the
    same call (``Reservation.fetched``). ``pick``: which of the buckets count,
    decided from the fetched items (the others are read, never counted)."""
    now = int(time.time())
    items = _read(buckets, fetch)
    fetched = {pk: items[pk] for pk in fetch if pk in items}
    buckets = pick(fetched) if pick else buckets
    writes: list[dict[str, Any]] = []
    undo: list[dict[str, Any]] = []
    waits: list[int] = []
    for bucket in buckets:
        seen = _seen(bucket, items, now)
        if seen.live and seen.count >= bucket.rule()[0]:
            waits.append(int(seen.start or now) + bucket.rule()[1] - now)
        else:
            writes.append(_counted(bucket, seen, now))
            undo.append(_uncounted(bucket, seen, now))
    if waits:
        raise errors.RateLimited(headers={"Retry-After": str(max(1, max(waits)))})
    return Reservation(buckets, tuple(writes), tuple(undo), fetch, fetched)


def commit(reservation: Reservation, work: tuple[dict[str, Any], ...] = (),
           caps: tuple[Bucket, ...] = ()) -> Reservation:
    """Write the reservation's counts and ``work`` (unconditioned transaction
    items) in one transaction. If another request counted in between, read
    again and retry; RateLimited when a bucket is full by then. ``caps``:
    buckets that must be under their limit, checked in the transaction without
    having been read (a key known only from a fetched item). Returns the
    reservation that was written."""
    for attempt in range(5):  # optimistic: re-read if another request changed a bucket in between
        now = int(time.time())
        items = [*reservation.writes, *work, *(_under(cap, now) for cap in caps)]
        if not items:
            return reservation
        try:
            aws.client("dynamodb").transact_write_items(TransactItems=items)
            return reservation
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                raise
            _refuse_if_full(caps, exc.response.get("CancellationReasons", [])[len(items) - len(caps):])
        time.sleep(0.01 * (attempt + 1))
        reservation = reserve(*reservation.buckets, fetch=reservation.fetch)
    raise errors.RateLimited(headers={"Retry-After": "1"})


def _refuse_if_full(caps: tuple[Bucket, ...], reasons: list[dict[str, Any]]) -> None:
    """RateLimited, with the wait, if the transaction failed on a full cap (read
    now: the refused path is the only one that needs its window)."""
    full = [cap for cap, reason in zip(caps, reasons, strict=False) if reason.get("Code") == "ConditionalCheckFailed"]
    if full:
        now = int(time.time())
        items = _read(tuple(full))
        waits = [int(items[c.pk]["start"]["N"]) + c.rule()[1] - now for c in full if c.pk in items]
        raise errors.RateLimited(headers={"Retry-After": str(max(1, max(waits, default=1)))})


def hit(*buckets: Bucket) -> None:
    """Count one request in every bucket, or raise RateLimited (counting nothing).

    Each window opens at the bucket's first hit, so "1 per 60 s" means 60
    seconds between two emails, whatever the clock says.
    """
    commit(reserve(*buckets))


def account_cap(item: dict[str, Any]) -> Bucket:
    """The email factor's failure cap of the account a challenge names by its ``email_hash``."""
    return Bucket("account_failures", item["email_hash"]["S"])


def passkey_cap(item: dict[str, Any]) -> Bucket:
    """The passkey factor's failure cap of the account a passkey names by its ``email_hash``."""
    return Bucket("passkey_failures", item["email_hash"]["S"])


def hit_fetching(bucket: Bucket, key: str | None, cap: Callable[[dict[str, Any]], Bucket]) -> dict[str, Any] | None:
    """Count one hit in ``bucket``, reading item ``key`` (a pk, or None) in the
    same call; when the item exists, ``cap(item)`` must be under its limit too
    (checked in the transaction, unread). Returns the item, or None."""
    reservation = reserve(bucket, fetch=(key,) if key else ())
    item = reservation.fetched.get(key) if key else None
    commit(reservation, caps=(cap(item),) if item else ())
    return item


def refund(reservation: Reservation) -> bool:
    """Take back a committed reservation's hits, for a request that failed
    after counting. Only where the bucket is exactly as this request left it:
    if the commit's fate is unknown (a timeout), nothing that another request
    counted is ever taken back. True when refunded."""
    if not reservation.undo:
        return True
    try:
        aws.client("dynamodb").transact_write_items(TransactItems=list(reservation.undo))
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
            raise
        return False
    return True


def _uncounted(bucket: Bucket, seen: _Seen, now: int) -> dict[str, Any]:
    """The write that undoes ``_counted``'s, if the bucket is still as it left it."""
    key = {"TableName": settings().table, "Key": {"pk": {"S": bucket.pk}},
           "ExpressionAttributeNames": {"#s": "start", "#n": "n"}}
    if seen.live:
        return {"Update": {**key, "UpdateExpression": "ADD #n :minus_one",
                           "ConditionExpression": "#s = :start AND #n = :written",
                           "ExpressionAttributeValues": {":minus_one": {"N": "-1"}, ":start": {"N": str(seen.start)},
                                                         ":written": {"N": str(seen.count + 1)}}}}
    return {"Delete": {**key, "ConditionExpression": "#s = :start AND #n = :written",
                       "ExpressionAttributeValues": {":start": {"N": str(now)}, ":written": {"N": "1"}}}}


def add(bucket: Bucket) -> None:
    """Count one event in ``bucket`` without a limit check (e.g. a failure)."""
    for _ in range(5):
        now = int(time.time())
        write = _counted(bucket, _seen(bucket, _read((bucket,)), now), now, capped=False)
        try:
            if "Update" in write:
                aws.client("dynamodb").update_item(**write["Update"])
            else:
                aws.client("dynamodb").put_item(**write["Put"])
            return
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                raise
