"""Create Auth Challenge: presents the challenge.

The code and link were made and mailed by ``POST /auth/sign-in`` (a Cognito
session lives minutes; people take longer to find an email), so there is
nothing to generate here: the challenge is "answer with what we sent you".

The one private value is a random flow id: it lets Verify tell Cognito's
retry of the same call from a new attempt (see ``chalicelib.signin.challenges``).
"""

from __future__ import annotations

import secrets
from typing import Any

from chalicelib import audit
from triggers.events import CreateAuthChallengeTriggerEvent


def present(event: CreateAuthChallengeTriggerEvent) -> None:
    event.response.public_challenge_parameters = {"challenge": "EMAIL_CODE_OR_LINK"}
    event.response.private_challenge_parameters = {"challenge": "EMAIL_CODE_OR_LINK",
                                                   "flow": secrets.token_urlsafe(24)}
    event.response.challenge_metadata = "SESAME_EMAIL"


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    trigger = CreateAuthChallengeTriggerEvent(event)
    present(trigger)
    attributes = trigger.request.user_attributes
    audit.emit(audit.Attempt("trigger.create", user_sub=attributes.get("sub"),
                             request_id=getattr(context, "aws_request_id", None)), "presented", "ok")
    return trigger.raw_event
