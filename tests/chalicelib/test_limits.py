"""The limiter's windows and its behaviour under concurrent requests."""

from __future__ import annotations

import time
import types
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from chalicelib import errors, limits
from chalicelib.limits import Bucket


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch, stack: Any) -> list[float]:
    now = [1_800_000_030.0]  # 30 s into a clock-aligned minute: a fixed window would reset at +30 s
    monkeypatch.setattr(limits, "time", types.SimpleNamespace(time=lambda: now[0], sleep=time.sleep))
    monkeypatch.setenv("SESAME_LIMITS", '{"sign_in_email_minute": [1, 60], "code_ip": [5, 300]}')
    return now


def test_a_window_opens_at_the_first_hit(clock: list[float]) -> None:
    bucket = Bucket("sign_in_email_minute", "someone")
    limits.hit(bucket)
    clock[0] += 31  # past the clock's minute boundary, 31 s after the first email
    with pytest.raises(errors.RateLimited) as refused:
        limits.hit(bucket)
    assert refused.value.headers["Retry-After"] == "29"
    clock[0] += 29
    limits.hit(bucket)  # 60 s after the first one


def test_a_refused_request_counts_nowhere(clock: list[float]) -> None:
    full, free = Bucket("sign_in_email_minute", "a"), Bucket("code_ip", "b")
    limits.hit(full)
    for _ in range(3):
        with pytest.raises(errors.RateLimited):
            limits.hit(free, full)
    for _ in range(5):
        limits.hit(free)  # all five slots of `free` are still there
    with pytest.raises(errors.RateLimited):
        limits.hit(free)


def test_racing_requests_never_exceed_the_limit(clock: list[float]) -> None:
    bucket = Bucket("code_ip", "racer")

    def attempt(_: int) -> bool:
        try:
            limits.hit(bucket)
            return True
        except errors.RateLimited:
            return False

    with ThreadPoolExecutor(max_workers=20) as pool:
        assert sum(pool.map(attempt, range(20))) == 5


def test_caps_are_not_counted(clock: list[float]) -> None:
    cap, counted = Bucket("code_ip", "cap"), Bucket("sign_in_email_minute", "x")
    for _ in range(4):
        limits.add(cap)
    limits.commit(limits.reserve(counted), caps=(cap,))  # 4 of 5: under the cap
    limits.add(cap)
    clock[0] += 61
    with pytest.raises(errors.RateLimited):
        limits.commit(limits.reserve(counted), caps=(cap,))  # 5 of 5: refused, though `counted` is free again


def test_caps_unread_are_checked_in_the_transaction(clock: list[float]) -> None:
    """A cap whose key is known only after the read (the account of a challenge) is checked
    without reading it; a full one refuses with its window's wait and counts nothing."""
    cap, counted = Bucket("code_ip", "account"), Bucket("sign_in_email_minute", "ip")
    for _ in range(4):
        limits.add(cap)
    limits.commit(limits.reserve(counted), caps=(cap,))  # 4 of 5
    limits.add(cap)
    clock[0] += 100
    free = Bucket("sign_in_email_minute", "another ip")
    with pytest.raises(errors.RateLimited) as refused:
        limits.commit(limits.reserve(free), caps=(cap,))
    assert refused.value.headers["Retry-After"] == "200"  # the cap's 300 s window opened 100 s ago
    limits.hit(free)  # the refused commit counted nothing
    clock[0] += 200  # the cap's window is over: it passes without anyone resetting it
    limits.commit(limits.reserve(Bucket("sign_in_email_minute", "third ip")), caps=(cap,))


def test_reserve_fetches_other_items_in_the_same_read(clock: list[float]) -> None:
    from chalicelib import aws
    from chalicelib.config import settings

    aws.client("dynamodb").put_item(TableName=settings().table, Item={"pk": {"S": "thing#1"}, "v": {"S": "x"}})
    reservation = limits.reserve(Bucket("code_ip", "f"), fetch=("thing#1", "thing#2"))
    assert reservation.fetched == {"thing#1": {"pk": {"S": "thing#1"}, "v": {"S": "x"}}}
