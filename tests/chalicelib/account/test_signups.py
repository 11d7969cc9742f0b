"""Sign-up marks read in batches: past BatchGetItem's 100 keys, and through its partial answers."""

from __future__ import annotations

from typing import Any

from chalicelib import aws
from chalicelib.account import signups
from chalicelib.config import settings


def test_leftovers_reads_marks_a_hundred_at_a_time(stack: Any) -> None:
    subs = [f"sub-{n:03d}" for n in range(250)]
    marked = {subs[0], subs[120], subs[249]}
    for sub in marked:
        aws.client("dynamodb").put_item(TableName=settings().table, Item={"pk": {"S": f"signup#{sub}"}})
    calls: list[int] = []
    client = aws.client("dynamodb")
    client.meta.events.register("provide-client-params.dynamodb.BatchGetItem",
                                lambda params, **_: calls.append(len(params["RequestItems"][settings().table]["Keys"])))
    assert signups.leftovers(subs) == marked
    assert calls == [100, 100, 50]
    assert signups.leftovers([]) == set()
