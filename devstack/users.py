"""Cognito users as AWS treats them: case-insensitive names, the status
rules at the end of an authentication, and the app client's secret.

[STATUS]  https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminInitiateAuth.html
          (NEW_PASSWORD_REQUIRED: "For users who are required to change their
          passwords after successful first login"; UserNotConfirmedException:
          "This exception is thrown when a user isn't confirmed successfully.")
[SETPW]   https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminSetUserPassword.html
          (a temporary password leaves FORCE_CHANGE_PASSWORD; a permanent one CONFIRMED)
[CASE]    https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UsernameConfigurationType.html
          ("CaseSensitive ... False: users can sign in with any combination of
          capital and lowercase letters"; it applies to username and aliases)
[SECRET]  https://docs.aws.amazon.com/cognito/latest/developerguide/signing-up-users-in-your-app.html#cognito-user-pools-computing-secret-hash
          (SECRET_HASH = Base64(HMAC_SHA256(client secret, username + client id)),
          required in every auth call of a client that has a secret)
[RESET]   https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminInitiateAuth.html#API_AdminInitiateAuth_Errors
          (PasswordResetRequiredException: "a password reset is required": a
          RESET_REQUIRED user, after AdminResetUserPassword, cannot start a flow)
[TEMPPW]  https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_PasswordPolicyType.html
          (TemporaryPasswordValidityDays, 7 by default: after it "an administrator
          must reset their password"; Cognito answers NotAuthorizedException
          "Temporary password has expired and must be reset by an administrator.")
[ALIAS]   https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminUserGlobalSignOut.html
          (Username: "the username of the user ... or an alias")
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import json
from base64 import b64encode
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from moto.cognitoidp.exceptions import NotAuthorizedError, UserNotConfirmedException
from moto.cognitoidp.models import (
    CognitoIdpBackend,
    CognitoIdpUser,
    CognitoIdpUserPool,
    CognitoIdpUserPoolClient,
    flatten_attrs,
)
from moto.core.exceptions import JsonRESTError
from moto.core.utils import utcnow

ORIGINALS: dict[str, Callable[..., Any]] = {}
NEEDS_NEW_PASSWORD = ("FORCE_CHANGE_PASSWORD", "RESET_REQUIRED")


def status(user: CognitoIdpUser) -> str:
    """The plain status string, as in ``cognito:user_status`` and AdminGetUser."""
    value = user.status
    return str(value.value if isinstance(value, enum.Enum) else value)


def case_sensitive(pool: CognitoIdpUserPool) -> bool:
    """[CASE] The API's default, when UsernameConfiguration is absent, is case sensitive."""
    config = pool.extended_config.get("UsernameConfiguration") or {}
    return bool(config.get("CaseSensitive", True))


def find(pool: CognitoIdpUserPool, username: str) -> CognitoIdpUser | None:
    """A user by username or alias attribute, honouring [CASE]."""
    if case_sensitive(pool):
        def same(a: str | None) -> bool:
            return a == username
    else:
        folded = username.casefold()

        def same(a: str | None) -> bool:
            return a is not None and a.casefold() == folded
    for attribute in pool.extended_config.get("UsernameAttributes") or []:
        for user in pool.users.values():
            if same(flatten_attrs(user.attributes).get(attribute)):
                return user
    for user in pool.users.values():
        if same(user.username):
            return user
    return None


def _get_user(self: CognitoIdpUserPool, username: str) -> CognitoIdpUser | None:
    return find(self, username)


def check_enabled(user: CognitoIdpUser | None) -> None:
    if user is not None and not user.enabled:
        raise NotAuthorizedError("User is disabled.")


TEMPORARY_PASSWORD_EXPIRED = "Temporary password has expired and must be reset by an administrator."


def check_can_start(pool: CognitoIdpUserPool, user: CognitoIdpUser | None) -> None:
    """[RESET] [TEMPPW] Users whose password state stops a flow before any trigger runs."""
    if user is None:
        return
    found = status(user)
    if found == "RESET_REQUIRED":
        raise JsonRESTError("PasswordResetRequiredException", "Password reset required for the user")
    if found == "FORCE_CHANGE_PASSWORD":
        policy = pool.extended_config.get("Policies", {}).get("PasswordPolicy", {})
        days = int(policy.get("TemporaryPasswordValidityDays", 7))
        if user.create_date < utcnow() - timedelta(days=days):
            raise NotAuthorizedError(TEMPORARY_PASSWORD_EXPIRED)


def finish_or_challenge(user: CognitoIdpUser) -> str | None:
    """[STATUS] After every challenge passed: None to issue tokens, else the
    challenge Cognito asks next. Raises for users who may not sign in."""
    check_enabled(user)
    found = status(user)
    if found == "UNCONFIRMED":
        raise UserNotConfirmedException("User is not confirmed.")
    if found in NEEDS_NEW_PASSWORD:
        return "NEW_PASSWORD_REQUIRED"
    return None


def new_password_parameters(user: CognitoIdpUser) -> dict[str, str]:
    """ChallengeParameters of NEW_PASSWORD_REQUIRED, as Cognito sends them."""
    attributes = {k: v for k, v in flatten_attrs(user.attributes).items() if k not in ("sub", "email_verified")}
    return {"USER_ID_FOR_SRP": user.username, "requiredAttributes": "[]",
            "userAttributes": json.dumps(attributes)}


def secret_hash(secret: str, username: str, client_id: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), (username + client_id).encode("utf-8"), hashlib.sha256).digest()
    return b64encode(digest).decode()


def check_secret_hash(client: CognitoIdpUserPoolClient, username: str | None, given: str | None) -> None:
    """[SECRET] A client with a secret refuses a call without the right SECRET_HASH."""
    if not client.generate_secret:
        return
    if not given:
        raise NotAuthorizedError(f"Client {client.id} is configured for secret but secret was not received")
    expected = secret_hash(client.secret, username or "", client.id)
    if not hmac.compare_digest(expected.encode(), str(given).encode()):
        raise NotAuthorizedError(f"Unable to verify secret hash for client {client.id}")


def admin_user_global_sign_out(self: CognitoIdpBackend, user_pool_id: str, username: str) -> None:
    """[ALIAS] moto matches the tokens by the name given, so an alias signed nobody out."""
    user = self.admin_get_user(user_pool_id, username)
    self.describe_user_pool(user_pool_id).sign_out(user.username)


PATCHES: dict[str, tuple[type, Any]] = {
    "_get_user": (CognitoIdpUserPool, _get_user),
    "admin_user_global_sign_out": (CognitoIdpBackend, admin_user_global_sign_out),
}
