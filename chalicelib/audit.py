"""The audit log: one structured event per auth attempt, and its metrics.

Schema (``audit_version`` 1), one JSON line through Powertools Logger:
``event``, ``method``, ``outcome``, ``reason``, ``email_hash`` (HMAC-SHA256
under the SSM email-hash key), ``user_sub``, ``source_ip`` (API Gateway's
``requestContext.identity.sourceIp``), ``user_agent`` (truncated, control
characters removed), ``request_id``, ``stage``, and Powertools' UTC
``timestamp``. Never: codes, link tokens, ciphertext, JWTs, refresh tokens,
Cognito sessions, cookie values or raw addresses.

Each event also counts in CloudWatch (Powertools Metrics, EMF):
metric ``AuthEvents`` with dimensions stage, event, method, outcome, reason.
"""

from __future__ import annotations

import contextvars
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.metrics.functions import is_metrics_disabled

from chalicelib.config import settings

VERSION = 1
MAX_USER_AGENT = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")  # C0, C1 and Unicode line breaks

logger = Logger(service="sesame")

# Libraries that log request and response bodies at DEBUG (tokens, codes,
# sessions): keep them quiet whatever level the root logger is at.
for _name in ("botocore", "boto3", "urllib3", "s3transfer"):
    logging.getLogger(_name).setLevel(logging.WARNING)


@dataclass
class Attempt:
    """What one request has learned about itself, for its one audit event."""

    event: str
    method: str = "none"
    email: str | None = None
    email_hash: str | None = None  # when the caller has it already; else derived from ``email``
    user_sub: str | None = None
    source_ip: str | None = None
    user_agent: str | None = None
    request_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


_current: contextvars.ContextVar[Attempt | None] = contextvars.ContextVar("sesame_attempt", default=None)


def begin(attempt: Attempt) -> contextvars.Token[Attempt | None]:
    return _current.set(attempt)


def end(token: contextvars.Token[Attempt | None]) -> None:
    _current.reset(token)


def note(**facts: Any) -> None:
    """Add what the request has learned (email or email_hash, user_sub, method) to its event."""
    attempt = _current.get()
    if attempt is not None:
        for key, value in facts.items():
            setattr(attempt, key, value)


def clean(text: str | None, limit: int = MAX_USER_AGENT) -> str | None:
    """Attacker-controlled text, safe to log: no control characters, bounded."""
    if text is None:
        return None
    return _CONTROL.sub("?", text[: limit * 2])[:limit]


def _email_hash(email: str | None) -> str | None:
    if not email:
        return None
    # Imported only when there is an address to hash: Define and Create log the
    # user's sub instead, so their cold start loads no AWS SDK at all.
    from chalicelib import params
    from chalicelib.signin import addresses

    try:
        return addresses.email_hash(addresses.normalize(email))
    except (addresses.InvalidEmail, params.SecretUnavailable):
        return None  # an unparseable address is never logged, hashed or not


def emit(attempt: Attempt, outcome: str, reason: str, event: str | None = None) -> None:
    """Write the attempt's one event and count it."""
    name = event or attempt.event
    record = {
        "audit_version": VERSION, "event": name, "method": attempt.method, "outcome": outcome,
        "reason": reason, "email_hash": attempt.email_hash or _email_hash(attempt.email), "user_sub": attempt.user_sub,
        "source_ip": clean(attempt.source_ip, 64), "user_agent": clean(attempt.user_agent),
        "request_id": clean(attempt.request_id, 128), "stage": settings().stage,
        **{key: clean(str(value), 256) for key, value in attempt.extra.items()},  # e.g. an operator's "caller"
    }
    logger.info(name, extra=record)
    if is_metrics_disabled():  # Powertools' switch (POWERTOOLS_METRICS_DISABLED), which single_metric ignores
        return
    with single_metric(name="AuthEvents", unit=MetricUnit.Count, value=1, namespace="Sesame") as metric:
        metric.add_dimension(name="stage", value=settings().stage)
        metric.add_dimension(name="event", value=name)
        metric.add_dimension(name="method", value=attempt.method)
        metric.add_dimension(name="outcome", value=outcome)
        metric.add_dimension(name="reason", value=reason.split(":", 1)[0])  # bounded: error codes only


def best_effort(event: str, action: Callable[[], object]) -> None:
    """Run ``action``; a failed dependency is logged as ``event``, not raised. For
    work whose failure must not change the answer: an undo on a path that is
    failing already, or a notice once the work is done."""
    from chalicelib.errors import DEPENDENCY_FAILURES, describe  # botocore: kept out of Define's and Create's import

    try:
        action()
    except DEPENDENCY_FAILURES as exc:
        logger.warning(event, extra={"error": describe(exc)})


def current() -> Attempt | None:
    return _current.get()
