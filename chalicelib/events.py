"""Auth events on the stage's EventBridge bus, for other services to subscribe to.

Published only after the change they report is stored. A failed publish
never fails the caller's request: it is logged and counted (metric
``EventPublishFailed``, alarmed on in deployed stages).

Schema: ``source`` ``sesame.<stage>``, ``detail-type`` one of the names
below, ``detail`` ``{"sub", "email_hash", "session_id"?, "method"?,
"device"?, "ip"?, "actor"? (``self``, ``cleanup``, ``admin:<caller>``),
"passkey_id"?, "sessions_ended"?, "passkeys_removed"?, "at"}``. Never codes, tokens or raw addresses.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit, single_metric
from botocore.exceptions import BotoCoreError, ClientError

from chalicelib import aws
from chalicelib.config import settings

SIGN_IN_SUCCEEDED = "SignInSucceeded"
SIGN_IN_APPROVED = "SignInApproved"  # a signed-in browser approved a device's or a new browser's request
SIGN_IN_DENIED = "SignInDenied"
SESSION_ENDED = "SessionEnded"
ACCOUNT_CREATED = "AccountCreated"
ACCOUNT_DISABLED = "AccountDisabled"
ACCOUNT_ENABLED = "AccountEnabled"
ACCOUNT_DELETED = "AccountDeleted"
ACCOUNT_EMAIL_CHANGED = "AccountEmailChanged"
ACCOUNT_SECURED = "AccountSecured"
PASSKEY_ADDED = "PasskeyAdded"
PASSKEY_REMOVED = "PasskeyRemoved"
_OPTIONAL = ("session_id", "method", "device", "ip", "actor", "passkey_id", "sessions_ended", "passkeys_removed",
             "client_id")


def bus_name() -> str:
    return f"sesame-{settings().stage}"


def publish(detail_type: str, sub: str, email_hash: str | None, **optional: str | None) -> bool:
    """Publish one event; False (logged and counted) when EventBridge did not take it."""
    from chalicelib.audit import logger  # the audit logger: one place for structured logs

    detail: dict[str, Any] = {"sub": sub, "email_hash": email_hash}
    detail.update({k: v for k, v in optional.items() if k in _OPTIONAL and v is not None})
    detail["at"] = datetime.fromtimestamp(time.time(), tz=UTC).isoformat()
    try:
        answer = aws.client("events").put_events(Entries=[{
            "Source": f"sesame.{settings().stage}", "DetailType": detail_type, "Detail": json.dumps(detail),
            "EventBusName": bus_name()}])
        failed = int(answer.get("FailedEntryCount", 0))
        reason = str(answer["Entries"][0].get("ErrorCode", "")) if failed else ""
    except (ClientError, BotoCoreError) as exc:
        failed, reason = 1, (exc.response.get("Error", {}).get("Code", "") if isinstance(exc, ClientError)
                             else type(exc).__name__)
    if not failed:
        return True
    logger.warning("event.publish_failed", extra={"detail_type": detail_type, "reason": reason[:120]})
    with single_metric(name="EventPublishFailed", unit=MetricUnit.Count, value=1, namespace="Sesame") as metric:
        metric.add_dimension(name="stage", value=settings().stage)
    return False
