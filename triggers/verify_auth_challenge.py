"""Verify Auth Challenge Response: is this answer the code or link we sent?

The API names the method and challenge in ClientMetadata (Cognito passes
RespondToAuthChallenge's ClientMetadata to this trigger). Either credential
consumes the whole challenge, once, through a conditional DynamoDB write.
"""

from __future__ import annotations

import hmac
import time
from typing import Any

from aws_lambda_powertools.utilities.data_classes.cognito_user_pool_event import (
    VerifyAuthChallengeResponseTriggerEvent,
)

from chalicelib import accounts, addresses, challenges, codes, linktoken
from chalicelib.config import settings


def check_code(challenge_id: str, email: str, code: str) -> bool:
    counted = challenges.count_attempt(challenge_id, addresses.email_hash(email),
                                       settings().code_max_attempts)
    if counted is None or counted.kind == "no_account":
        return False
    if not codes.code_matches(challenge_id, code, counted.code_mac):
        return False
    return challenges.consume(challenge_id, counted.email_hash)


def check_link(challenge_id: str, email: str, token: str) -> bool:
    try:
        payload = linktoken.unseal(token)
    except linktoken.InvalidLink:
        return False
    now = time.time()
    if (payload.challenge_id != challenge_id or payload.expires_at <= now
            or not addresses.same_address(payload.email, email)):
        return False
    found = challenges.get(challenge_id)
    if (found is None or not found.is_live(now) or found.kind == "no_account"
            or found.attempts >= settings().code_max_attempts):  # 3 wrong codes kill the link too
        return False
    if not hmac.compare_digest(challenges.nonce_hash(payload.nonce), found.nonce_hash):
        return False
    return challenges.consume(challenge_id, found.email_hash)


def check(event: VerifyAuthChallengeResponseTriggerEvent) -> bool:
    if event.request.user_not_found:
        return False
    metadata = event.request.client_metadata
    email = event.request.user_attributes.get("email", "")
    challenge_id = metadata.get("challenge", "")
    answer = event.request.challenge_answer
    if not email or not challenge_id or not isinstance(answer, str):
        return False
    method = metadata.get("method")
    if method == "code":
        return check_code(challenge_id, email, answer)
    if method == "link":
        return check_link(challenge_id, email, answer)
    return False


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    trigger = VerifyAuthChallengeResponseTriggerEvent(event)
    correct = check(trigger)
    if correct and trigger.request.user_attributes.get("email_verified") != "true":
        accounts.mark_proven(trigger.user_pool_id, trigger.user_name)
    trigger.response.answer_correct = correct
    return trigger.raw_event
