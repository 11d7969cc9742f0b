"""User attributes as Cognito guards them: the app client's write list, and an
address that changes stops being verified.

moto 5.2.5 lets an access token write any attribute (it ignores the client's
``WriteAttributes``) and keeps ``email_verified`` true when the address
changes, so "a user can change their own address" is invisible offline.
UpdateUserAttributes is authorized by the access token alone, not by IAM.

[UPDATE]  https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UpdateUserAttributes.html
          (authorized with the user's access token; NotAuthorizedException "when a
          user isn't authorized")
[WRITE]   https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateUserPoolClient.html#CognitoUserPools-CreateUserPoolClient-request-WriteAttributes
          ("The list of user attributes that you want your app client to have write
          access to"; without a list, every standard attribute is writable)
[ADMINUPD] https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminUpdateUserAttributes.html
          ("If you update email ... the email_verified attribute is set to False",
          unless the same request sets it to True)
[TOKENAUTH] https://docs.aws.amazon.com/cognito/latest/developerguide/user-pools-API-operations.html
          (token-authorized operations: no IAM policy applies)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.cognitoidp.exceptions import NotAuthorizedError
from moto.cognitoidp.models import CognitoIdpBackend, CognitoIdpUserPool
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.responses import EmptyResult

ORIGINALS: dict[str, Callable[..., Any]] = {}
VERIFIED = {"email": "email_verified", "phone_number": "phone_number_verified"}


def _unverify_changed(current: dict[str, str], attributes: list[dict[str, str]]) -> list[dict[str, str]]:
    """[ADMINUPD] A changed address is no longer verified, unless the call verifies it."""
    names = {a["Name"] for a in attributes}
    added = [{"Name": flag, "Value": "false"} for a in attributes for name, flag in VERIFIED.items()
             if a["Name"] == name and a["Value"] != current.get(name) and flag not in names]
    return [*attributes, *added]


def _pool_and_user(backend: CognitoIdpBackend, access_token: str) -> tuple[CognitoIdpUserPool, str, str]:
    for pool in backend.user_pools.values():
        if access_token in pool.access_tokens:
            client_id, username = pool.access_tokens[access_token]
            return pool, client_id, username
    raise NotAuthorizedError("Invalid Access Token")


def update_user_attributes(self: CognitoIdpBackend, access_token: str, attributes: list[dict[str, str]]) -> None:
    """[UPDATE] [WRITE] Refuse an attribute the token's app client may not write."""
    pool, client_id, username = _pool_and_user(self, access_token)
    client = pool.clients.get(client_id)
    writable = client.extended_config.get("WriteAttributes") if client else None
    if writable is not None:
        refused = sorted({a["Name"] for a in attributes} - set(writable))
        if refused:
            raise NotAuthorizedError(f"A client attempted to write unauthorized attribute {refused[0]}")
    user = self.admin_get_user(pool.id, username)
    ORIGINALS["update_user_attributes"](self, access_token, _unverify_changed(user.attribute_lookup, attributes))


def admin_update_user_attributes(self: CognitoIdpBackend, user_pool_id: str, username: str,
                                 attributes: list[dict[str, str]]) -> None:
    user = self.admin_get_user(user_pool_id, username)
    ORIGINALS["admin_update_user_attributes"](self, user_pool_id, username,
                                              _unverify_changed(user.attribute_lookup, attributes))


def _update_user_attributes_response(self: CognitoIdpResponse) -> Any:
    """[TOKENAUTH] An unsigned call: find the pool by the token, in any region."""
    token = self._get_param("AccessToken")
    backend = self._get_region_agnostic_backend()._find_backend_by_access_token(token)
    backend.update_user_attributes(token, self._get_param("UserAttributes"))
    return EmptyResult()


PATCHES: dict[str, tuple[type, Any]] = {
    "update_user_attributes": (CognitoIdpBackend, update_user_attributes),
    "admin_update_user_attributes": (CognitoIdpBackend, admin_update_user_attributes),
}
RESPONSE_PATCHES: dict[str, tuple[type, Any]] = {
    "update_user_attributes": (CognitoIdpResponse, _update_user_attributes_response),
}
RESPONSE_ORIGINALS: dict[str, Callable[..., Any]] = {}
