"""Verify Auth Challenge Response: is this answer the code or link we sent?

The API names the method and challenge in ClientMetadata (Cognito passes
RespondToAuthChallenge's ClientMetadata to this trigger): an emailed code or
link, a passkey, or an app's authorization code (``grant``). Either credential
consumes the whole challenge, once, through a conditional DynamoDB write.
Each check returns None when the answer is right, else the reason it is not.

Cognito may run this trigger again for the same answer (a retry after an
error or a 5-second overrun). The flow id from Create makes that safe: the
retry gives the same verdict and counts no second attempt.
"""

from __future__ import annotations

import hmac
import time
from typing import Any

from chalicelib import accounts, audit
from chalicelib.config import settings
from chalicelib.signin import addresses, challenges, codes, linktoken
from triggers.events import VerifyAuthChallengeResponseTriggerEvent

# Only an answer that came through the mailbox proves the address. A passkey proves
# who holds the account, never that they own whatever address it names now.
MAILBOX_METHODS = ("code", "link")


def check_code(challenge_id: str, email: str, code: str, flow: str, attempt: str) -> str | None:
    counted = challenges.count_attempt(challenge_id, email, settings().code_max_attempts, flow)
    if counted is None or counted.kind not in challenges.SIGN_IN_KINDS:
        return "dead_challenge"
    if not codes.code_matches(challenge_id, code, counted.code_mac):
        return "wrong_code"
    return None if challenges.consume(challenge_id, counted.email_hash, flow, attempt) else "already_used"


def check_link(challenge_id: str, email: str, token: str, flow: str, attempt: str) -> str | None:
    try:
        payload = linktoken.unseal(token)  # LinkUnavailable (KMS down) propagates: Cognito retries
    except linktoken.InvalidLink:
        return "bad_token"
    now = time.time()
    if payload.challenge_id != challenge_id or not addresses.same_address(payload.email, email):
        return "foreign_token"
    found = challenges.get(challenge_id)
    if found is None:
        return "dead_challenge"
    if not linktoken.opens(payload, found, now):
        return "foreign_token"
    if found.used and hmac.compare_digest(found.used_by, flow):
        return None  # Cognito's retry of the call that consumed it
    if not found.redeemable(now, settings().code_max_attempts):
        return "dead_challenge"
    return None if challenges.consume(challenge_id, found.email_hash, flow, attempt) else "already_used"


def check(event: VerifyAuthChallengeResponseTriggerEvent) -> str | None:
    if event.request.user_not_found:
        return "user_not_found"
    metadata = event.request.client_metadata
    # Challenges hold the address lower-cased; an account made in the console may not be.
    email = event.request.user_attributes.get("email", "").lower()
    challenge_id = metadata.get("challenge", "")
    flow = event.request.private_challenge_parameters.get("flow", "")
    answer = event.request.challenge_answer
    if not email or not challenge_id or not flow or not isinstance(answer, str):
        return "incomplete"
    method = metadata.get("method")
    attempt = metadata.get("attempt", "")  # the API's id for its request: what it may release
    if method == "code":
        return check_code(challenge_id, email, answer, flow, attempt)
    if method == "link":
        return check_link(challenge_id, email, answer, flow, attempt)
    if method == "grant":  # an app redeems an authorization code (chalicelib.oauth)
        from chalicelib.oauth import codes as grants

        return grants.check(challenge_id, answer, event.request.user_attributes.get("sub", ""), flow, attempt)
    if method == "passkey":
        from chalicelib.passkeys import ceremony  # only passkey sign-ins load py_webauthn

        return ceremony.verify_assertion(challenge_id, answer, event.request.user_attributes.get("sub", ""), flow)
    return "unknown_method"


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    trigger = VerifyAuthChallengeResponseTriggerEvent(event)
    attributes = trigger.request.user_attributes
    attempt = audit.Attempt("trigger.verify", method=trigger.request.client_metadata.get("method", "none"),
                            email=attributes.get("email"), user_sub=attributes.get("sub"),
                            request_id=getattr(context, "aws_request_id", None))
    reason = check(trigger)
    if reason is None and attempt.method in MAILBOX_METHODS and attributes.get("email_verified") != "true":
        accounts.mark_proven(trigger.user_pool_id, trigger.user_name)
    trigger.response.answer_correct = reason is None
    audit.emit(attempt, "correct" if reason is None else "incorrect", reason or "ok")
    return trigger.raw_event
