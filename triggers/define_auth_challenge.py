"""Define Auth Challenge: decides what happens next in the custom-auth flow.

Outcomes: present the one Sesame challenge, allow (issue tokens) or deny.
Every answer gets its own Cognito flow, started by the API, so a wrong
answer ends the flow; the retry is a new flow, and the per-challenge attempt
limit lives in DynamoDB where no client can reset it.
"""

from __future__ import annotations

from typing import Any

from chalicelib import audit
from triggers.events import DefineAuthChallengeTriggerEvent

CHALLENGE = "CUSTOM_CHALLENGE"


def challenge(event: DefineAuthChallengeTriggerEvent) -> None:
    event.response.challenge_name = CHALLENGE
    event.response.issue_tokens = False
    event.response.fail_authentication = False


def allow(event: DefineAuthChallengeTriggerEvent) -> None:
    event.response.issue_tokens = True
    event.response.fail_authentication = False


def deny(event: DefineAuthChallengeTriggerEvent) -> None:
    event.response.issue_tokens = False
    event.response.fail_authentication = True


def decide(event: DefineAuthChallengeTriggerEvent) -> str:
    """Apply one outcome; returns its name for the audit log."""
    session = event.request.session
    if not session:
        # Unknown users get the same first step; Verify can never pass them.
        challenge(event)
        return "challenge"
    last = session[-1]
    if (len(session) == 1 and last.challenge_name == CHALLENGE and last.challenge_result is True
            and not event.request.user_not_found):
        allow(event)
        return "allow"
    deny(event)
    return "deny"


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    trigger = DefineAuthChallengeTriggerEvent(event)
    attributes = trigger.request.user_attributes
    outcome = decide(trigger)
    audit.emit(audit.Attempt("trigger.define", method=trigger.request.client_metadata.get("method", "none"),
                             user_sub=attributes.get("sub"),
                             request_id=getattr(context, "aws_request_id", None)),
               outcome, "user_not_found" if trigger.request.user_not_found else outcome)
    return trigger.raw_event
