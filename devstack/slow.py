"""[SLOW] Any service of the embedded AWS answers late, on demand.

Real services sometimes take seconds (a throttled partition, a cold Lambda
trigger, a regional hiccup); what Sesame does then (its deadlines, what it
releases) is only testable if the emulator can be slow too. ``delay(service,
seconds, calls)`` makes the next ``calls`` requests to ``service`` (its
endpoint prefix: ``cognito-idp``, ``dynamodb``, ``kms``...) wait ``seconds``
before moto answers them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from moto.core.responses import BaseResponse

ORIGINALS: dict[str, Callable[..., Any]] = {}
_lock = threading.Lock()
_pending: dict[str, list[float]] = {}


def delay(service: str, seconds: float, calls: int = 1) -> None:
    with _lock:
        _pending[service] = [seconds] * calls


def pending(service: str) -> int:
    """How many slow answers ``service`` still has to give."""
    with _lock:
        return len(_pending.get(service, []))


def waiting() -> bool:
    """Whether any service still has a late answer to give (``transport`` then uses the socket)."""
    with _lock:
        return any(_pending.values())


def clear() -> None:
    with _lock:
        _pending.clear()


def _call_action(self: BaseResponse) -> Any:
    with _lock:
        queue = _pending.get(self.service_name or "")
        wait = queue.pop(0) if queue else 0.0
    if wait:
        time.sleep(wait)
    return ORIGINALS["call_action"](self)


PATCHES: dict[str, tuple[type, Callable[..., Any]]] = {"call_action": (BaseResponse, _call_action)}
