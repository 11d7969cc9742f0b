"""DynamoDB tables that stay small and fast however long ``make dev`` runs.

* [TRANSACT] TransactWriteItems is all or nothing and isolated. moto 5.x gets
  there by deep-copying every table a transaction names before running it and
  putting the copy back when it fails: a copy of the whole table per sign-in
  (measured: the process grew to 4 GB over 300 load flows, and each flow got
  slower as the table grew). Here a transaction saves only the items it names,
  and a failed one puts back only those. (``moto_patch`` runs every write,
  this one included, under one lock, so nothing else writes meanwhile.)
* [TTL] DynamoDB deletes items whose TTL attribute is in the past ("typically
  within a few days"; until then they still appear in reads). moto never
  does, so every challenge, limiter bucket and ended session stayed in memory
  for good. Here expired items are deleted at most a minute or so after they
  expire (sooner than AWS, which is allowed: AWS gives no lower bound), on the
  next write to the table.

[TRANSACT] https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html
           ("Isolation levels for DynamoDB transactions"; TransactionConflict)
[TTL]      https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/howitworks-ttl.html
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import moto.dynamodb.models as dynamodb_models
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table

ORIGINALS: dict[str, Callable[..., Any]] = {}
SWEEP_SECONDS = 60.0
_swept: dict[int, float] = {}  # id(table) -> when its expired items were last deleted


def _deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
    # moto's whole-table backup becomes the table itself: the items are saved one by one below.
    return value if isinstance(value, Table) else copy.deepcopy(value, memo)


def _named(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> dict[tuple[str, Any, Any], Any]:
    """(table, hash key, range key) -> a copy of the item as it is now (None: absent)."""
    saved: dict[tuple[str, Any, Any], Any] = {}
    for entry in transact_items:
        op: dict[str, Any] = next(iter(entry.values()), {})
        table = backend.tables.get(op.get("TableName"))
        if table is None:
            continue
        source = op.get("Item") if "Item" in op else op.get("Key", {})
        try:
            hash_key, range_key = backend.get_keys_value(table, source)
        except Exception:  # noqa: BLE001, S112 - a malformed key: moto's own validation answers it
            continue
        saved[(table.name, hash_key, range_key)] = copy.deepcopy(table.get_item(hash_key, range_key))
    return saved


def _put_back(backend: DynamoDBBackend, saved: dict[tuple[str, Any, Any], Item | None]) -> None:
    for (name, hash_key, range_key), item in saved.items():
        table = backend.tables[name]
        table.delete_item(hash_key, range_key)
        if item is not None:
            if range_key is not None:
                table.items[hash_key][range_key] = item
            else:
                table.items[hash_key] = item


def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    saved = _named(self, transact_items)
    try:
        ORIGINALS["transact_write_items"](self, transact_items)
    except Exception:
        _put_back(self, saved)
        raise
    for name in {key[0] for key in saved}:
        sweep(self.tables[name])


def _expired(item: Item, attribute: str, now: float) -> bool:
    value: DynamoType | None = item.attrs.get(attribute)
    if value is None or value.type != "N":
        return False  # DynamoDB ignores a TTL attribute that is not a number
    return float(str(value.value)) < now


def sweep(table: Table, now: float | None = None) -> int:
    """Delete the table's expired items (at most once a minute); how many went."""
    now = time.time() if now is None else now
    ttl = table.ttl or {}
    if ttl.get("TimeToLiveStatus") != "ENABLED" or now - _swept.get(id(table), 0.0) < SWEEP_SECONDS:
        return 0
    _swept[id(table)] = now
    attribute = ttl["AttributeName"]
    gone = 0
    for hash_key, found in list(table.items.items()):
        if not table.has_range_key:
            if _expired(found, attribute, now):
                del table.items[hash_key]
                gone += 1
            continue
        for range_key, item in list(found.items()):
            if _expired(item, attribute, now):
                del found[range_key]
                gone += 1
        if not found:
            del table.items[hash_key]
    return gone


def install_copy() -> None:
    dynamodb_models.copy = SimpleNamespace(deepcopy=_deepcopy)  # type: ignore[attr-defined]


PATCHES: dict[str, tuple[type, Callable[..., Any]]] = {
    "transact_write_items": (DynamoDBBackend, transact_write_items)}
