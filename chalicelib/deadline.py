"""The time an API request has left.

API Gateway gives a request 29 s, then answers 504 while the function may still
run: a request that is still waiting on Cognito then never releases the
challenge it holds, and the user's code is spent. So each request carries a
budget below that (``SESAME_REQUEST_BUDGET_SECONDS``, 25 by default), and a call
that runs Cognito's triggers (up to 3 attempts of 5 s each) starts only when
its worst case fits in what is left: otherwise the request gives up cleanly
(503, ``Retry-After``), releasing what it holds, while there is time to. Every
other call gets what is left: its timeouts shrink to fit (``chalicelib.aws``),
and with under 2 s left it is not started.
"""

from __future__ import annotations

import contextvars
import os
import time

from chalicelib import errors

DEFAULT_BUDGET = 25.0
_deadline: contextvars.ContextVar[float] = contextvars.ContextVar("sesame_deadline", default=float("inf"))


class DeadlineExceeded(errors.DependencyError):
    """Not enough of the request's budget is left for the next call."""

    code = "deadline"


def start() -> contextvars.Token[float]:
    """Begin a request's budget (``web.audited`` does, for every route)."""
    budget = float(os.environ.get("SESAME_REQUEST_BUDGET_SECONDS", DEFAULT_BUDGET))
    return _deadline.set(time.monotonic() + budget)


def end(token: contextvars.Token[float]) -> None:
    _deadline.reset(token)


def remaining() -> float:
    return _deadline.get() - time.monotonic()


def require(seconds: float) -> None:
    """Raise ``DeadlineExceeded`` unless ``seconds`` of the budget are left."""
    if remaining() < seconds:
        raise DeadlineExceeded()
