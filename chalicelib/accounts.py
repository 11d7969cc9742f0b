"""Cognito user-pool calls: account state, custom-auth sign-in, clean-up.

"Proven" means ``email_verified`` is true, whatever the Cognito status, and
only a redeemed code or link (the mailbox) sets it. A sign-up's account is
created once the API has checked its code or link, CONFIRMED at once with a
random password nobody knows, and unproven until the Verify trigger sees the
right answer and marks the address verified (``account.signups`` marks such
accounts, so the clean-up never mistakes an established one for them). An
account an administrator created (FORCE_CHANGE_PASSWORD, address verified)
signs in too: Cognito then asks for a new password after the challenge, and
the API answers with a random one, which leaves FORCE_CHANGE_PASSWORD for
good. Nobody ever has a usable password: the app client allows no password flow.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from chalicelib import appclient, aws
from chalicelib.config import settings


class AuthFailed(Exception):
    """Cognito refused the answer (wrong, used, expired or unknown)."""


def _idp() -> Any:
    return aws.client("cognito-idp")


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def standing(email: str) -> str:
    """``proven``, ``unproven`` (a sign-up that never proved the address),
    ``disabled`` or ``missing``: what a sign-in request for ``email`` meets."""
    try:
        user = _idp().admin_get_user(UserPoolId=settings().user_pool_id, Username=email)
    except ClientError as exc:
        if _error_code(exc) == "UserNotFoundException":
            return "missing"
        raise
    if not user.get("Enabled", True):
        return "disabled"
    return "proven" if _attributes(user.get("UserAttributes", [])).get("email_verified") == "true" else "unproven"


def _attributes(listed: list[dict[str, str]]) -> dict[str, str]:
    return {a["Name"]: a["Value"] for a in listed}


def _unusable_password() -> str:
    """Random, never told to anyone, and meets any password policy."""
    return secrets.token_urlsafe(32) + "aA1!"


class AccountExists(Exception):
    """An account for the address exists already."""


def create(email: str, *, proven: bool) -> str:
    """Create an account, CONFIRMED at once (its status never stands for
    "unproven": ``email_verified`` does); returns its sub. ``AccountExists`` if there is one."""
    config = settings()
    try:
        created = _idp().admin_create_user(
            UserPoolId=config.user_pool_id, Username=email, MessageAction="SUPPRESS",
            UserAttributes=[{"Name": "email", "Value": email},
                            {"Name": "email_verified", "Value": "true" if proven else "false"}])
    except ClientError as exc:
        if _error_code(exc) == "UsernameExistsException":
            raise AccountExists(email) from exc
        raise
    _idp().admin_set_user_password(UserPoolId=config.user_pool_id, Username=email, Permanent=True,
                                   Password=_unusable_password())
    return str(_attributes(created["User"].get("Attributes", [])).get("sub", created["User"]["Username"]))


def mark_proven(user_pool_id: str, username: str) -> None:
    """The address is proven: mark it verified."""
    _idp().admin_update_user_attributes(UserPoolId=user_pool_id, Username=username, UserAttributes=[
        {"Name": "email_verified", "Value": "true"}])


def change_address(sub: str, email: str) -> None:
    """Give the account a new, proven address (its mailbox answered). ``AccountExists``
    when another account has it: Cognito keeps addresses unique."""
    try:
        _idp().admin_update_user_attributes(UserPoolId=settings().user_pool_id, Username=sub, UserAttributes=[
            {"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}])
    except ClientError as exc:
        if _error_code(exc) == "AliasExistsException":
            raise AccountExists(email) from exc
        raise


def address_of(sub: str) -> str:
    """The account's current address."""
    user = _idp().admin_get_user(UserPoolId=settings().user_pool_id, Username=sub)
    return _attributes(user.get("UserAttributes", [])).get("email", "")


def delete(sub: str) -> None:
    _idp().admin_delete_user(UserPoolId=settings().user_pool_id, Username=sub)


def unproven_before(cutoff: datetime) -> list[tuple[str, str]]:
    """(sub, address) of every account created before ``cutoff`` whose address is not
    verified. ListUsers cannot filter on email_verified, so every page is read."""
    found = []
    for page in _idp().get_paginator("list_users").paginate(UserPoolId=settings().user_pool_id):
        for user in page.get("Users", []):
            attributes = _attributes(user.get("Attributes", []))
            if attributes.get("email_verified") != "true" and user["UserCreateDate"] < cutoff:
                found.append((attributes.get("sub", user["Username"]), attributes.get("email", "")))
    return found


def _respond(challenge: dict[str, Any], name: str, responses: dict[str, str],
             metadata: dict[str, str]) -> dict[str, Any]:
    config = settings()
    username = challenge["ChallengeParameters"].get("USERNAME") or \
        challenge["ChallengeParameters"].get("USER_ID_FOR_SRP", "")
    return dict(aws.client("cognito-idp", runs_triggers=True).admin_respond_to_auth_challenge(
        UserPoolId=config.user_pool_id, ClientId=config.client_id, ChallengeName=name,
        Session=challenge["Session"], ClientMetadata=metadata,
        ChallengeResponses={"USERNAME": username, **responses, **appclient.secret_hash(username)}))


# An operator's password reset (RESET_REQUIRED) or an expired temporary password
# (FORCE_CHANGE_PASSWORD past the pool's TemporaryPasswordValidityDays) stop a flow
# before any trigger runs. Passwords mean nothing here, so once the API holds the
# proof (a checked code or link, a passkey, an authorization code) it sets an
# unusable permanent one (the account becomes CONFIRMED) and starts again.
_STUCK = ("PasswordResetRequiredException",)
_TEMPORARY_EXPIRED = "Temporary password has expired"


def _stuck(exc: ClientError) -> bool:
    return _error_code(exc) in _STUCK or (
        _error_code(exc) == "NotAuthorizedException"
        and _TEMPORARY_EXPIRED in exc.response.get("Error", {}).get("Message", ""))


def _start(email: str) -> dict[str, Any]:
    config = settings()
    request = {"UserPoolId": config.user_pool_id, "ClientId": config.client_id, "AuthFlow": "CUSTOM_AUTH",
               "AuthParameters": {"USERNAME": email, **appclient.secret_hash(email)}}
    try:
        return dict(aws.client("cognito-idp", runs_triggers=True).admin_initiate_auth(**request))
    except ClientError as exc:
        if not _stuck(exc):
            raise
    _idp().admin_set_user_password(UserPoolId=config.user_pool_id, Username=email, Password=_unusable_password(),
                                   Permanent=True)
    return dict(aws.client("cognito-idp", runs_triggers=True).admin_initiate_auth(**request))


def sign_in(email: str, answer: str, metadata: dict[str, str]) -> dict[str, Any]:
    """Run the custom-auth flow with one answer; the AuthenticationResult on success."""
    try:
        started = _start(email)
        answered = _respond(started, "CUSTOM_CHALLENGE", {"ANSWER": answer}, metadata)
        if answered.get("ChallengeName") == "NEW_PASSWORD_REQUIRED":
            # An administrator created the account; the challenge is passed.
            answered = _respond(answered, "NEW_PASSWORD_REQUIRED", {"NEW_PASSWORD": _unusable_password()},
                                metadata)
    except ClientError as exc:
        if _error_code(exc) in ("NotAuthorizedException", "UserNotFoundException",
                                "UserNotConfirmedException", "CodeMismatchException"):
            raise AuthFailed(_error_code(exc)) from exc
        raise
    result = answered.get("AuthenticationResult")
    if not result:
        raise AuthFailed("no tokens")
    return dict(result)


def sign_out_everywhere(username: str) -> None:
    """Revoke every refresh token of the user (Cognito's global sign-out)."""
    _idp().admin_user_global_sign_out(UserPoolId=settings().user_pool_id, Username=username)
