"""[PARTIAL] DynamoDB answers part of a batch, on demand.

BatchGetItem "returns a partial result if the response size limit is exceeded,
the table's provisioned throughput is exceeded, more than 1MB per partition is
requested, or an internal processing failure occurs", the rest as
``UnprocessedKeys`` (DynamoDB API Reference, BatchGetItem). moto only does it
past 16 MB, so nothing we read ever comes back partial there. ``withhold(n)``
makes the next ``n`` BatchGetItem calls answer only the first key of each table
and return the others unprocessed (a one-key batch: that key); ``make dev``
can do it to a share of calls with ``DEVSTACK_PARTIAL_BATCHES=<0..1>``.
"""

from __future__ import annotations

import os
import random
import threading
from collections.abc import Callable
from typing import Any

from moto.dynamodb.responses import DynamoHandler

ORIGINALS: dict[str, Callable[..., Any]] = {}
_lock = threading.Lock()
_pending = [0]


def withhold(calls: int) -> None:
    """Answer the next ``calls`` BatchGetItem calls in part (0: stop)."""
    with _lock:
        _pending[0] = calls


def _take() -> bool:
    with _lock:
        if _pending[0] > 0:
            _pending[0] -= 1
            return True
    share = float(os.environ.get("DEVSTACK_PARTIAL_BATCHES", "0") or 0)
    return share > 0 and random.random() < share


def _batch_get_item(self: DynamoHandler) -> Any:
    if not _take():
        return ORIGINALS["batch_get_item"](self)
    unprocessed: dict[str, Any] = {}
    for table, request in self.body["RequestItems"].items():
        keys = request["Keys"]
        kept = keys[:1] if len(keys) > 1 else []
        unprocessed[table] = {**request, "Keys": keys[len(kept):]}
        request["Keys"] = kept
    answer = ORIGINALS["batch_get_item"](self) if any(r["Keys"] for r in self.body["RequestItems"].values()) \
        else None
    result = dict(answer.result) if answer is not None else {"Responses": {t: [] for t in unprocessed}}
    result["UnprocessedKeys"] = unprocessed
    from moto.core.responses import ActionResult

    return ActionResult(result)


PATCHES: dict[str, tuple[type, Callable[..., Any]]] = {"batch_get_item": (DynamoHandler, _batch_get_item)}
