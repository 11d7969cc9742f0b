"""DynamoDB's BatchGetItem, whole or not at all.

BatchGetItem may answer part of a batch: what it could not read (throttling,
an internal failure, a response over 16 MB) comes back as ``UnprocessedKeys``,
which "you should retry ... with exponential backoff" (DynamoDB API Reference,
BatchGetItem). An answer built from half the keys would be wrong here (a session
read without its record looks ended, a limit read without its bucket looks
unused), so the rest is retried, and a read still partial after that is a
failing dependency: ``ServiceUnavailable`` (503, ``Retry-After``), never 401.
"""

from __future__ import annotations

import random
import time
from typing import Any

from chalicelib import aws, errors

ATTEMPTS = 4
BACKOFF = 0.05  # seconds, doubled each retry, with jitter: at most 0.35 s in all


def get(table: str, keys: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The items of ``keys`` that exist (consistent reads), every key read."""
    request: dict[str, Any] = {table: {"Keys": keys, "ConsistentRead": True}}
    items: list[dict[str, Any]] = []
    for attempt in range(ATTEMPTS):
        if attempt:
            time.sleep(BACKOFF * 2 ** (attempt - 1) * random.uniform(0.5, 1.0))
        found = aws.client("dynamodb").batch_get_item(RequestItems=request)
        items += found.get("Responses", {}).get(table, [])
        request = found.get("UnprocessedKeys") or {}
        if not request:
            return items
    raise errors.ServiceUnavailable()
