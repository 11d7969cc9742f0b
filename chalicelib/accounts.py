"""Cognito user-pool calls: account state, custom-auth sign-in, clean-up.

Accounts are created unproven (FORCE_CHANGE_PASSWORD, email not verified)
only when a sign-up code or link is redeemed, and become CONFIRMED with a
verified email in the same step that proves the address (Verify trigger).
Nobody ever has a usable password: the app client allows no password flow.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from chalicelib import aws
from chalicelib.config import settings

UNPROVEN = "FORCE_CHANGE_PASSWORD"


class AuthFailed(Exception):
    """Cognito refused the answer (wrong, used, expired or unknown)."""


def _idp() -> Any:
    return aws.client("cognito-idp")


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def is_proven(email: str) -> bool:
    """True when ``email`` names an account whose address has been proven."""
    try:
        user = _idp().admin_get_user(UserPoolId=settings().user_pool_id, Username=email)
    except ClientError as exc:
        if _error_code(exc) == "UserNotFoundException":
            return False
        raise
    attributes = {a["Name"]: a["Value"] for a in user.get("UserAttributes", [])}
    return attributes.get("email_verified") == "true" and user.get("UserStatus") != UNPROVEN


def ensure_unproven(email: str) -> None:
    """Create the account for a sign-up, unproven, unless it exists already."""
    try:
        _idp().admin_create_user(
            UserPoolId=settings().user_pool_id, Username=email, MessageAction="SUPPRESS",
            UserAttributes=[{"Name": "email", "Value": email},
                            {"Name": "email_verified", "Value": "false"}])
    except ClientError as exc:
        if _error_code(exc) != "UsernameExistsException":
            raise


def mark_proven(user_pool_id: str, username: str) -> None:
    """The address is proven: verify it and leave FORCE_CHANGE_PASSWORD.

    The random password is never told to anyone and no client flow accepts
    passwords; it only moves the account to CONFIRMED.
    """
    idp = _idp()
    idp.admin_update_user_attributes(UserPoolId=user_pool_id, Username=username, UserAttributes=[
        {"Name": "email_verified", "Value": "true"}])
    idp.admin_set_user_password(UserPoolId=user_pool_id, Username=username, Permanent=True,
                                Password=secrets.token_urlsafe(32) + "aA1!")


def sign_in(email: str, answer: str, metadata: dict[str, str]) -> dict[str, Any]:
    """Run the custom-auth flow with one answer; the AuthenticationResult on success."""
    config = settings()
    idp = _idp()
    try:
        started = idp.admin_initiate_auth(
            UserPoolId=config.user_pool_id, ClientId=config.client_id,
            AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": email})
        answered = idp.admin_respond_to_auth_challenge(
            UserPoolId=config.user_pool_id, ClientId=config.client_id,
            ChallengeName="CUSTOM_CHALLENGE", Session=started["Session"],
            ChallengeResponses={"USERNAME": started["ChallengeParameters"]["USERNAME"],
                                "ANSWER": answer},
            ClientMetadata=metadata)
    except ClientError as exc:
        if _error_code(exc) in ("NotAuthorizedException", "UserNotFoundException",
                                "UserNotConfirmedException", "CodeMismatchException"):
            raise AuthFailed(_error_code(exc)) from exc
        raise
    result = answered.get("AuthenticationResult")
    if not result:
        raise AuthFailed("no tokens")
    return dict(result)


def remove_unproven(older_than: timedelta = timedelta(hours=24)) -> int:
    """Delete accounts that never proved their address; returns how many."""
    config = settings()
    cutoff = datetime.now(UTC) - older_than
    pages = _idp().get_paginator("list_users").paginate(
        UserPoolId=config.user_pool_id, Filter=f'cognito:user_status = "{UNPROVEN}"')
    removed = 0
    for page in pages:
        for user in page.get("Users", []):
            if user["UserCreateDate"] < cutoff:
                _idp().admin_delete_user(UserPoolId=config.user_pool_id, Username=user["Username"])
                removed += 1
    return removed


def sign_out_everywhere(username: str) -> None:
    """Revoke every refresh token of the user (Cognito's global sign-out)."""
    _idp().admin_user_global_sign_out(UserPoolId=settings().user_pool_id, Username=username)
