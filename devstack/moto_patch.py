"""Close the gaps between moto 5.2.5 and the real services we use.

``install()`` is idempotent. It routes Cognito's auth calls to the modules
that model them (``custom_auth`` for CUSTOM_AUTH, ``tokens`` for refresh and
revocation, ``users`` for status, case and the client secret, ``attributes``
for the client's write list), adds
RevokeToken (moto has none), makes GlobalSignOut find the pool in any region
(moto only looks in the region of the request, which is us-east-1 for an
unsigned call), makes DynamoDB writes atomic under concurrent requests, and
installs ``iam``'s policy evaluation, makes KMS refuse keys that are
not enabled, and installs ``ses``'s configuration sets, suppression list and sandbox,
``partial``'s partial BatchGetItem answers on demand, and ``cloudformation``'s change-set
and stack-state rules, ``slow``'s late answers on demand, ``quotas``' Cognito request rates, and ``tables``'
per-item transaction rollback and TTL deletion; ``kmskeys`` makes no RSA pair for a symmetric key.

[SIGNOUT]  https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_GlobalSignOut.html
[KMSSTATE] https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html
           (Encrypt and Decrypt fail with DisabledException on a disabled key,
           KMSInvalidStateException on one pending deletion; moto uses them anyway)
[KMSDECRYPT] https://docs.aws.amazon.com/kms/latest/APIReference/API_Decrypt.html#API_Decrypt_Errors
           (IncorrectKeyException: "the specified KMS key cannot decrypt the data";
           InvalidCiphertextException: the ciphertext "is corrupted, missing, or otherwise invalid")
[DDBTX]    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html
[DDBCOND]  https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

import moto.core.responses as moto_responses
from moto import backends
from moto.cognitoidp.exceptions import ResourceNotFoundError
from moto.cognitoidp.models import CognitoIdpBackend, CognitoIdpUserPool, CognitoIdpUserPoolClient
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult, EmptyResult
from moto.dynamodb.models import DynamoDBBackend
from moto.kms.exceptions import AccessDeniedException as KmsAccessDenied
from moto.kms.models import KmsBackend

from devstack import (
    apigateway,
    attributes,
    cloudformation,
    custom_auth,
    iam,
    kmskeys,
    partial,
    quotas,
    ses,
    slow,
    tables,
    tokens,
    users,
)

_ORIGINALS: dict[str, Callable[..., Any]] = {}
_REFRESH_FLOWS = ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN")


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


def _initiate(handler: CognitoIdpResponse, original: str, backend: CognitoIdpBackend,
              pool_id: str | None) -> Any:
    flow = handler._get_param("AuthFlow")
    if flow != "CUSTOM_AUTH" and flow not in _REFRESH_FLOWS:
        return _ORIGINALS[original](handler)
    pool, client = find_client(backend, handler._get_param("ClientId"), pool_id)
    parameters = handler._get_param("AuthParameters") or {}
    if flow == "CUSTOM_AUTH":
        return ActionResult(custom_auth.start(backend, pool, client, parameters))
    return ActionResult(tokens.refresh(pool, client, parameters))


def _initiate_auth(self: CognitoIdpResponse) -> Any:
    return _initiate(self, "initiate_auth", _backend_for_client(self, self._get_param("ClientId")), None)


def _admin_initiate_auth(self: CognitoIdpResponse) -> Any:
    return _initiate(self, "admin_initiate_auth", self.backend, self._get_param("UserPoolId"))


def _respond(self: CognitoIdpResponse, admin: bool) -> Any:
    name = "admin_respond_to_auth_challenge" if admin else "respond_to_auth_challenge"
    client_id = self._get_param("ClientId")
    responses = self._get_param("ChallengeResponses") or {}
    if self._get_param("ChallengeName") != "CUSTOM_CHALLENGE":
        _, client = find_client(_backend_for_client(self, client_id), client_id)
        users.check_secret_hash(client, responses.get("USERNAME"), responses.get("SECRET_HASH"))
        return _ORIGINALS[name](self)
    return ActionResult(custom_auth.respond(
        _backend_for_client(self, client_id), self._get_param("Session"), client_id, responses,
        self._get_param("ClientMetadata"), pool_id=self._get_param("UserPoolId") if admin else None))


def _respond_to_auth_challenge(self: CognitoIdpResponse) -> Any:
    return _respond(self, admin=False)


def _admin_respond_to_auth_challenge(self: CognitoIdpResponse) -> Any:
    return _respond(self, admin=True)


def _revoke_token(self: CognitoIdpResponse) -> Any:
    client_id = self._get_param("ClientId")
    pool, client = find_client(_backend_for_client(self, client_id), client_id)
    tokens.revoke(pool, client, self._get_param("Token") or "", self._get_param("ClientSecret"))
    return EmptyResult()


def _global_sign_out(self: CognitoIdpResponse) -> Any:
    """[SIGNOUT] Unsigned call: find the pool by the token, not by the region."""
    token = self._get_param("AccessToken")
    self._get_region_agnostic_backend()._find_backend_by_access_token(token).global_sign_out(token)
    return EmptyResult()


def _check_key_state(backend: KmsBackend, key_id: str) -> None:
    """[KMSSTATE]"""
    state = backend.keys[backend.any_id_to_key_id(key_id)].key_state
    if state == "Disabled":
        raise JsonRESTError("DisabledException", f"{key_id} is disabled.")
    if state != "Enabled":
        raise JsonRESTError("KMSInvalidStateException", f"{key_id} is {state}.")


def _encrypt(self: KmsBackend, key_id: str, *args: Any, **kwargs: Any) -> Any:
    _check_key_state(self, key_id)
    return _ORIGINALS["encrypt"](self, key_id, *args, **kwargs)


def _decrypt(self: KmsBackend, ciphertext_blob: bytes, encryption_context: dict[str, str],
             key_id: str | None = None) -> Any:
    """[KMSDECRYPT] With a KeyId, a ciphertext of another key is IncorrectKeyException and
    one that names no key at all InvalidCiphertextException (moto: AccessDeniedException)."""
    try:
        plaintext, arn = _ORIGINALS["decrypt"](self, ciphertext_blob, encryption_context, key_id)
    except KmsAccessDenied:
        if key_id is None:
            raise
        named = ciphertext_blob[:36].decode("utf-8", "replace")
        if named in self.keys:
            raise JsonRESTError("IncorrectKeyException", "The key ID in the request does not identify the "
                                "KMS key that can perform this operation.")
        raise JsonRESTError("InvalidCiphertextException", "")
    _check_key_state(self, arn)
    return plaintext, arn


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
    "encrypt": (KmsBackend, _encrypt),
    "decrypt": (KmsBackend, _decrypt),
    "initiate_auth": (CognitoIdpResponse, _initiate_auth),
    "admin_initiate_auth": (CognitoIdpResponse, _admin_initiate_auth),
    "respond_to_auth_challenge": (CognitoIdpResponse, _respond_to_auth_challenge),
    "admin_respond_to_auth_challenge": (CognitoIdpResponse, _admin_respond_to_auth_challenge),
    "revoke_token": (CognitoIdpResponse, _revoke_token),
    "global_sign_out": (CognitoIdpResponse, _global_sign_out),
}


def _apply(patches: dict[str, tuple[type, Callable[..., Any]]], originals: dict[str, Callable[..., Any]]) -> None:
    for name, (owner, replacement) in patches.items():
        if name not in originals:
            originals[name] = getattr(owner, name, None)  # type: ignore[assignment]
            setattr(owner, name, replacement)


def _lookups_once() -> None:
    """moto's server recomputes two fixed lists on every request: its own service modules (a
    listdir and an isdir per entry, under its dispatch lock) and the method names of the
    response class (``inspect.getmembers``). Both are read once here; the patches below are
    installed before any request, so a class's methods do not change afterwards."""
    if getattr(backends.list_of_moto_modules, "cached", False):
        return
    modules = tuple(backends.list_of_moto_modules())

    def listed() -> tuple[str, ...]:
        return modules
    listed.cached = True  # type: ignore[attr-defined]
    backends.list_of_moto_modules = listed
    moto_responses.method_names_from_class = functools.lru_cache(maxsize=None)(
        moto_responses.method_names_from_class)


def install() -> None:
    """Patch moto. Safe to call more than once."""
    _lookups_once()
    tables.install_copy()
    _apply(tables.PATCHES, tables.ORIGINALS)  # first: the lock below wraps it
    _apply(_PATCHES, _ORIGINALS)
    _apply(tokens.PATCHES, tokens.ORIGINALS)
    _apply(users.PATCHES, users.ORIGINALS)
    _apply(attributes.PATCHES, attributes.ORIGINALS)
    _apply(attributes.RESPONSE_PATCHES, attributes.RESPONSE_ORIGINALS)
    _apply(iam.PATCHES, iam.ORIGINALS)
    _apply(apigateway.PATCHES, apigateway.ORIGINALS)
    _apply(ses.PATCHES, ses.ORIGINALS)
    _apply(partial.PATCHES, partial.ORIGINALS)
    _apply(cloudformation.PATCHES, cloudformation.ORIGINALS)
    _apply(slow.PATCHES, slow.ORIGINALS)
    _apply(quotas.PATCHES, quotas.ORIGINALS)
    kmskeys.install()
    ses.route()
    tokens.publish_jwks()
    tokens.parse_pool_key_once()
