"""Close the gaps between moto 5.2.5 and the real services we use.

``install()`` is idempotent. It routes CUSTOM_AUTH / CUSTOM_CHALLENGE to
``custom_auth``, adds RevokeToken (moto has none), makes GlobalSignOut find
the pool in any region (moto only looks in the region of the request, which
is us-east-1 for an unsigned call), makes DynamoDB writes atomic under
concurrent requests, and makes tokens honour the app client's
validity settings (moto always issues one-hour tokens) and ID tokens carry
the user's email attribute.

[REVOKE]   https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_RevokeToken.html
[REVOKING] https://docs.aws.amazon.com/cognito/latest/developerguide/token-revocation.html
[SIGNOUT]  https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_GlobalSignOut.html
[CLIENT]   https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateUserPoolClient.html
[IDTOKEN]  https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-id-token.html
[REFRESH]  https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-refresh-token.html
[DDBTX]    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html
[DDBCOND]  https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html
"""

from __future__ import annotations

import base64
import hmac
import json
import threading
from collections.abc import Callable
from typing import Any

from moto.cognitoidp.exceptions import NotAuthorizedError, ResourceNotFoundError
from moto.cognitoidp.models import CognitoIdpBackend, CognitoIdpUserPool, CognitoIdpUserPoolClient, flatten_attrs
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult, EmptyResult
from moto.dynamodb.models import DynamoDBBackend

from devstack import custom_auth

_ORIGINALS: dict[str, Callable[..., Any]] = {}
_UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
# [CLIENT] defaults: access and ID tokens 1 hour, refresh token 30 days.
_VALIDITY = {"access": ("AccessTokenValidity", "AccessToken", 1, "hours"),
             "id": ("IdTokenValidity", "IdToken", 1, "hours")}


class UnauthorizedException(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("UnauthorizedException", message)


class UnsupportedOperationException(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("UnsupportedOperationException", message)


def find_client(
    backend: CognitoIdpBackend, client_id: str, pool_id: str | None = None
) -> tuple[CognitoIdpUserPool, CognitoIdpUserPoolClient]:
    pools = [backend.describe_user_pool(pool_id)] if pool_id else backend.user_pools.values()
    for pool in pools:
        if client_id in pool.clients:
            return pool, pool.clients[client_id]
    raise ResourceNotFoundError(client_id)


def _backend_for_client(handler: CognitoIdpResponse, client_id: str) -> CognitoIdpBackend:
    return handler._get_region_agnostic_backend()._find_backend_for_clientid(client_id)


def _initiate_auth(self: CognitoIdpResponse) -> Any:
    if self._get_param("AuthFlow") != "CUSTOM_AUTH":
        return _ORIGINALS["initiate_auth"](self)
    client_id = self._get_param("ClientId")
    backend = _backend_for_client(self, client_id)
    pool, client = find_client(backend, client_id)
    return ActionResult(custom_auth.start(backend, pool, client, self._get_param("AuthParameters") or {}))


def _admin_initiate_auth(self: CognitoIdpResponse) -> Any:
    if self._get_param("AuthFlow") != "CUSTOM_AUTH":
        return _ORIGINALS["admin_initiate_auth"](self)
    pool, client = find_client(
        self.backend, self._get_param("ClientId"), self._get_param("UserPoolId"))
    return ActionResult(custom_auth.start(self.backend, pool, client,
                                          self._get_param("AuthParameters") or {}))


def _respond(self: CognitoIdpResponse, admin: bool) -> Any:
    name = "admin_respond_to_auth_challenge" if admin else "respond_to_auth_challenge"
    if self._get_param("ChallengeName") != "CUSTOM_CHALLENGE":
        return _ORIGINALS[name](self)
    client_id = self._get_param("ClientId")
    result = custom_auth.respond(
        _backend_for_client(self, client_id),
        self._get_param("Session"),
        client_id,
        self._get_param("ChallengeResponses") or {},
        self._get_param("ClientMetadata"),
        pool_id=self._get_param("UserPoolId") if admin else None,
    )
    return ActionResult(result)


def _respond_to_auth_challenge(self: CognitoIdpResponse) -> Any:
    return _respond(self, admin=False)


def _admin_respond_to_auth_challenge(self: CognitoIdpResponse) -> Any:
    return _respond(self, admin=True)


def _claims(token: str) -> dict[str, Any]:
    """Claims of a token moto itself signed: no need to verify our own output."""
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def _revoke_token(self: CognitoIdpResponse) -> Any:
    """[REVOKE] Revoke a refresh token and every token issued from it."""
    client_id = self._get_param("ClientId")
    backend = _backend_for_client(self, client_id)
    pool, client = find_client(backend, client_id)
    if client.generate_secret and not hmac.compare_digest(
            str(self._get_param("ClientSecret") or ""), client.secret):
        raise UnauthorizedException("Client authentication failed.")
    if client.extended_config.get("EnableTokenRevocation") is False:
        raise UnsupportedOperationException("Token revocation isn't enabled for this client.")
    entry = pool.refresh_tokens.get(self._get_param("Token") or "")
    if entry is None:
        # Unknown or already revoked: success, as OAuth revocation (RFC 7009
        # section 2.2) answers for a token that is no longer valid.
        return EmptyResult()
    token_client, _, origin_jti = entry
    if token_client != client_id:
        raise UnauthorizedException("The token was not issued to this client.")
    pool.refresh_tokens[self._get_param("Token")] = None
    # [REVOKING] "all access tokens that were previously issued by that
    # refresh token become invalid", including the one from sign-in.
    for issued in (pool.access_tokens, pool.id_tokens):
        for token in [t for t in issued if _claims(t).get("origin_jti") == origin_jti]:
            del issued[token]
    return EmptyResult()


def _global_sign_out(self: CognitoIdpResponse) -> Any:
    """[SIGNOUT] Unsigned call: find the pool by the token, not by the region."""
    token = self._get_param("AccessToken")
    self._get_region_agnostic_backend()._find_backend_by_access_token(token).global_sign_out(token)
    return EmptyResult()


def _validity_seconds(pool: CognitoIdpUserPool, client_id: str, token_use: str) -> int | None:
    if token_use not in _VALIDITY:
        return None
    client = pool.clients.get(client_id)
    if client is None:
        return None
    key, unit_key, default, default_unit = _VALIDITY[token_use]
    config = client.extended_config
    amount = int(config.get(key) or default)
    unit = (config.get("TokenValidityUnits") or {}).get(unit_key, default_unit)
    return amount * _UNIT_SECONDS[unit]


def _create_jwt(self: CognitoIdpUserPool, client_id: str, username: str, token_use: str,
                expires_in: int = 3600, extra_data: dict[str, Any] | None = None) -> Any:
    seconds = _validity_seconds(self, client_id, token_use)
    extra = dict(extra_data or {})
    if token_use == "id":
        # [IDTOKEN] The ID token's email claims are the user's attributes; moto
        # writes the internal username (a UUID in email-alias pools) instead.
        attributes = flatten_attrs(self._get_user(username).attributes)
        if "email" in attributes:
            extra["email"] = attributes["email"]
            extra["email_verified"] = attributes.get("email_verified") == "true"
    return _ORIGINALS["create_jwt"](self, client_id, username, token_use,
                                    seconds or expires_in, extra)


def _tokens_from_refresh_token(self: CognitoIdpUserPool, refresh_token: str) -> Any:
    # [REFRESH] An unknown refresh token is NotAuthorizedException, not moto's KeyError (a 500).
    if refresh_token not in self.refresh_tokens:
        raise NotAuthorizedError("Invalid Refresh Token")
    return _ORIGINALS["create_tokens_from_refresh_token"](self, refresh_token)


# [DDBTX] [DDBCOND]: a conditional write or a transaction is atomic; moto's
# server runs requests on threads with no lock, so two could both pass a
# condition. One lock over moto's DynamoDB writes restores that guarantee.
_DYNAMODB_LOCK = threading.RLock()


def _serialized(name: str) -> Callable[..., Any]:
    def write(self: DynamoDBBackend, *args: Any, **kwargs: Any) -> Any:
        with _DYNAMODB_LOCK:
            return _ORIGINALS[name](self, *args, **kwargs)
    return write


_PATCHES: dict[str, tuple[type, Callable[..., Any]]] = {
    **{name: (DynamoDBBackend, _serialized(name))
       for name in ("put_item", "update_item", "delete_item", "transact_write_items")},
    "initiate_auth": (CognitoIdpResponse, _initiate_auth),
    "admin_initiate_auth": (CognitoIdpResponse, _admin_initiate_auth),
    "respond_to_auth_challenge": (CognitoIdpResponse, _respond_to_auth_challenge),
    "admin_respond_to_auth_challenge": (CognitoIdpResponse, _admin_respond_to_auth_challenge),
    "revoke_token": (CognitoIdpResponse, _revoke_token),
    "global_sign_out": (CognitoIdpResponse, _global_sign_out),
    "create_jwt": (CognitoIdpUserPool, _create_jwt),
    "create_tokens_from_refresh_token": (CognitoIdpUserPool, _tokens_from_refresh_token),
}


def install() -> None:
    """Patch moto's Cognito. Safe to call more than once."""
    for name, (owner, replacement) in _PATCHES.items():
        if name not in _ORIGINALS:
            _ORIGINALS[name] = getattr(owner, name, None)  # type: ignore[assignment]
            setattr(owner, name, replacement)
