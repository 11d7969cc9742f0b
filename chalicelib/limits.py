"""Rate limits in DynamoDB, shared by every Lambda instance.

Fixed windows: one counter item per (scope, key, window start), expiring by
TTL. All the buckets one request touches are counted in one conditional
transaction, so a refused request counts nowhere and an accepted one counts
everywhere. If the table cannot be reached the error propagates and the
request fails closed (503) before anything is sent.

Limits are stage settings (``SESAME_LIMITS`` in ``.chalice/config.json``,
JSON: ``{"name": [count, seconds], ...}``); the defaults are below.
"""

from __future__ import annotations

import json
import math
import os
import time
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from chalicelib import aws, errors
from chalicelib.config import settings

DEFAULTS: dict[str, tuple[int, int]] = {
    "sign_in_email_minute": (1, 60),     # sign-in emails per address
    "sign_in_email_hour": (5, 3600),
    "sign_in_ip_hour": (20, 3600),       # sign-in emails per source IP
    "link_ip": (30, 300),                # link verifications per source IP
    "code_ip": (30, 300),                # code verifications per source IP
    "account_failures": (100, 3600),     # failed verifications per account (OWASP ASVS 2.2.1)
}


@dataclass(frozen=True)
class Bucket:
    name: str
    key: str

    def rule(self) -> tuple[int, int]:
        return limits()[self.name]

    def item_key(self, now: float) -> tuple[str, int]:
        _, seconds = self.rule()
        start = int(now // seconds * seconds)
        return f"rl#{self.name}#{self.key}#{start}", start + seconds


def limits() -> dict[str, tuple[int, int]]:
    found = dict(DEFAULTS)
    raw = os.environ.get("SESAME_LIMITS")
    if raw:
        found.update({k: (int(v[0]), int(v[1])) for k, v in json.loads(raw).items()})
    return found


def hit(*buckets: Bucket, check: tuple[Bucket, ...] = ()) -> None:
    """Count one request in every bucket, or raise RateLimited (counting nothing).

    ``check`` buckets must be under their limit too, but are not counted.
    """
    now = time.time()
    items: list[dict[str, Any]] = []
    for bucket in check:
        pk, _ = bucket.item_key(now)
        items.append({"ConditionCheck": {
            "TableName": settings().table, "Key": {"pk": {"S": pk}},
            "ConditionExpression": "attribute_not_exists(n) OR n < :limit",
            "ExpressionAttributeValues": {":limit": {"N": str(bucket.rule()[0])}},
        }})
    for bucket in buckets:
        pk, ends = bucket.item_key(now)
        items.append({"Update": {
            "TableName": settings().table, "Key": {"pk": {"S": pk}},
            "UpdateExpression": "ADD n :one SET #ttl = :ttl",
            "ConditionExpression": "attribute_not_exists(n) OR n < :limit",
            "ExpressionAttributeNames": {"#ttl": "ttl"},
            "ExpressionAttributeValues": {":one": {"N": "1"}, ":ttl": {"N": str(ends + 60)},
                                          ":limit": {"N": str(bucket.rule()[0])}},
        }})
    try:
        aws.client("dynamodb").transact_write_items(TransactItems=items)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
            raise
        raise _limited(check + buckets, exc.response, now) from exc


def _limited(buckets: tuple[Bucket, ...], response: dict[str, Any], now: float) -> errors.RateLimited:
    reasons = response.get("CancellationReasons") or []
    full = [b for b, r in zip(buckets, reasons, strict=False) if r.get("Code") == "ConditionalCheckFailed"]
    if not full and not reasons:
        full = list(buckets)  # no reasons given: assume the strictest wait
    wait = max((b.item_key(now)[1] - now for b in full), default=1)
    return errors.RateLimited(headers={"Retry-After": str(max(1, math.ceil(wait)))})


def add(bucket: Bucket) -> None:
    """Count one event in ``bucket`` without a limit check (e.g. a failure)."""
    pk, ends = bucket.item_key(time.time())
    aws.client("dynamodb").update_item(
        TableName=settings().table, Key={"pk": {"S": pk}}, UpdateExpression="ADD n :one SET #ttl = :ttl",
        ExpressionAttributeNames={"#ttl": "ttl"},
        ExpressionAttributeValues={":one": {"N": "1"}, ":ttl": {"N": str(ends + 60)}})
