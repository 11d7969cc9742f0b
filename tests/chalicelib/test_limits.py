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


def test_check_buckets_are_not_counted(clock: list[float]) -> None:
    cap, counted = Bucket("code_ip", "cap"), Bucket("sign_in_email_minute", "x")
    for _ in range(4):
        limits.add(cap)
    limits.hit(counted, check=(cap,))  # 4 of 5: under the cap
    limits.add(cap)
    clock[0] += 61
    with pytest.raises(errors.RateLimited):
        limits.hit(counted, check=(cap,))  # 5 of 5: refused, though `counted` is free again
