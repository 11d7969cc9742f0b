"""devstack/tables.py: transactions roll back by item, not by copying the table, and expired
items are deleted ([TTL]), so the embedded table stays the size of what is live."""

from __future__ import annotations

import time
from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto.core import DEFAULT_ACCOUNT_ID
from moto.dynamodb.models import dynamodb_backends

from chalicelib import aws
from devstack import tables
from devstack.stack import REGION


def _backend(stack: Any) -> Any:
    return dynamodb_backends[DEFAULT_ACCOUNT_ID][REGION]


def _item(table: str, pk: str) -> dict[str, Any] | None:
    return aws.client("dynamodb").get_item(TableName=table, Key={"pk": {"S": pk}}, ConsistentRead=True).get("Item")


def test_a_failed_transaction_puts_back_exactly_the_items_it_named(stack: Any) -> None:
    ddb, name = aws.client("dynamodb"), stack.env["SESAME_TABLE"]
    ddb.put_item(TableName=name, Item={"pk": {"S": "tx-kept"}, "n": {"N": "1"}})
    ddb.put_item(TableName=name, Item={"pk": {"S": "tx-bystander"}, "n": {"N": "7"}})
    table = _backend(stack).tables[name]
    with pytest.raises(ClientError) as refused:
        ddb.transact_write_items(TransactItems=[
            {"Update": {"TableName": name, "Key": {"pk": {"S": "tx-kept"}}, "UpdateExpression": "SET n = :two",
                        "ExpressionAttributeValues": {":two": {"N": "2"}}}},
            {"Put": {"TableName": name, "Item": {"pk": {"S": "tx-new"}}}},
            {"ConditionCheck": {"TableName": name, "Key": {"pk": {"S": "tx-absent"}},
                                "ConditionExpression": "attribute_exists(pk)"}}])
    assert refused.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert _item(name, "tx-kept") == {"pk": {"S": "tx-kept"}, "n": {"N": "1"}}
    assert _item(name, "tx-new") is None
    assert _item(name, "tx-bystander") == {"pk": {"S": "tx-bystander"}, "n": {"N": "7"}}
    # moto swapped in a deep copy of the whole table; here the table is the same object throughout.
    assert _backend(stack).tables[name] is table


def test_a_transaction_that_succeeds_writes_every_item(stack: Any) -> None:
    ddb, name = aws.client("dynamodb"), stack.env["SESAME_TABLE"]
    ddb.transact_write_items(TransactItems=[{"Put": {"TableName": name, "Item": {"pk": {"S": f"tx-ok-{i}"}}}}
                                            for i in range(3)])
    assert all(_item(name, f"tx-ok-{i}") for i in range(3))


def test_expired_items_are_deleted_on_a_later_write(stack: Any) -> None:
    ddb, name = aws.client("dynamodb"), stack.env["SESAME_TABLE"]
    now = int(time.time())
    ddb.put_item(TableName=name, Item={"pk": {"S": "ttl-past"}, "ttl": {"N": str(now - 5)}})
    ddb.put_item(TableName=name, Item={"pk": {"S": "ttl-future"}, "ttl": {"N": str(now + 3600)}})
    ddb.put_item(TableName=name, Item={"pk": {"S": "ttl-text"}, "ttl": {"S": str(now - 5)}})
    ddb.put_item(TableName=name, Item={"pk": {"S": "ttl-none"}})
    assert _item(name, "ttl-past"), "an expired item is still read until TTL deletes it, as on AWS"
    tables._swept.clear()  # as if the minute between sweeps had passed
    ddb.transact_write_items(TransactItems=[{"Put": {"TableName": name, "Item": {"pk": {"S": "ttl-trigger"}}}}])
    assert _item(name, "ttl-past") is None
    assert _item(name, "ttl-future") and _item(name, "ttl-text") and _item(name, "ttl-none")


def test_sweeps_are_at_most_a_minute_apart(stack: Any) -> None:
    table = _backend(stack).tables[stack.env["SESAME_TABLE"]]
    tables._swept.clear()  # as if the minute between sweeps had passed
    now = time.time()
    tables.sweep(table, now)
    aws.client("dynamodb").put_item(TableName=table.name, Item={"pk": {"S": "ttl-soon"}, "ttl": {"N": str(now)}})
    assert tables.sweep(table, now + 30) == 0 and _item(table.name, "ttl-soon")
    assert tables.sweep(table, now + 61) == 1 and _item(table.name, "ttl-soon") is None
