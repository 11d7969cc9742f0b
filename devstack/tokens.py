"""Tokens as Cognito issues them, where moto's differ.

[TOKENS]   https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-with-identity-providers.html
[ACCESS]   https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-access-token.html
           (event_id, auth_time "the time ... when the user completed authentication", origin_jti)
[IDTOKEN]  https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-id-token.html
[REFRESH]  https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-refresh-token.html
           (an encrypted, opaque token; only the app client that received it may use it)
[VERIFY]   https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html
           (the pool's JWKS holds two keys; "the access token and ID token are
           signed with different keys": match each token's kid)
[CLIENT]   https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateUserPoolClient.html
[REVOKE]   https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_RevokeToken.html
[REVOKING] https://docs.aws.amazon.com/cognito/latest/developerguide/token-revocation.html
[EXPIRY]   https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateUserPoolClient.html
           (AccessTokenValidity, IdTokenValidity, RefreshTokenValidity: "after this period the
           token ... can't be used"). moto keeps every token it issued, forever; expired ones
           are dropped here (``_sweep``), so the embedded AWS's memory stays flat.
"""

from __future__ import annotations

import base64
import hmac
import json
import secrets
import time
import types
import uuid
from collections.abc import Callable
from typing import Any

from joserfc import jwk, jwt
from moto.cognitoidp.exceptions import NotAuthorizedError
from moto.cognitoidp.models import CognitoIdpUserPool, CognitoIdpUserPoolClient, flatten_attrs
from moto.cognitoidp.responses import CognitoIdpJsonWebKeyResponse
from moto.core.exceptions import JsonRESTError

from devstack import attached, users

ORIGINALS: dict[str, Callable[..., Any]] = {}
_UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
# [CLIENT] defaults: access and ID tokens 1 hour.
_VALIDITY = {"access": ("AccessTokenValidity", "AccessToken", 1, "hours"),
             "id": ("IdTokenValidity", "IdToken", 1, "hours"),
             "refresh": ("RefreshTokenValidity", "RefreshToken", 30, "days")}
SWEEP_EVERY = 60.0  # seconds between two sweeps of a pool's expired tokens
_now = time.time  # the clock of issue and expiry (tests move it)
ACCESS_KID = "sesame-devstack-access"
# moto signs with one key (kid "dummy"); ID tokens keep it, access tokens get this one.
_ACCESS_KEY = jwk.RSAKey.generate_key(2048, parameters={"kid": ACCESS_KID, "alg": "RS256", "use": "sig"})


def claims(token: str) -> dict[str, Any]:
    """Claims of a token moto itself signed: no need to verify our own output."""
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


_parsed_keys: dict[str, Any] = {}


class _OnceParsedRSAKey:
    """moto's ``jwk.RSAKey`` as its pools use it: every pool signs ID tokens with the one key moto
    bundles, and parsing it (recovering its primes) cost 0.1 s per pool, a third of a test's
    bootstrap. Parsed once; the key object is only read after."""

    @staticmethod
    def import_key(value: Any) -> Any:
        text = json.dumps(value, sort_keys=True)
        if text not in _parsed_keys:
            _parsed_keys[text] = jwk.RSAKey.import_key(value)
        return _parsed_keys[text]


def parse_pool_key_once() -> None:
    from moto.cognitoidp import models

    models.jwk = types.SimpleNamespace(RSAKey=_OnceParsedRSAKey)  # type: ignore[assignment]


def publish_jwks() -> None:
    """[VERIFY] The JWKS every pool serves: moto's ID-token key and the access-token key."""
    keys = json.loads(CognitoIdpJsonWebKeyResponse.json_web_key)["keys"]
    keys = [k for k in keys if k.get("kid") != ACCESS_KID] + [_ACCESS_KEY.as_dict(private=False)]
    CognitoIdpJsonWebKeyResponse.json_web_key = json.dumps({"keys": keys}).encode("utf-8")


def _auth_events(pool: CognitoIdpUserPool) -> dict[str, tuple[int, str]]:
    """origin_jti -> (auth_time, event_id): one entry per authentication."""
    return attached.table(pool, "auth_events")


def _validity_seconds(pool: CognitoIdpUserPool, client_id: str, token_use: str) -> int | None:
    client = pool.clients.get(client_id)
    if token_use not in _VALIDITY or client is None:
        return None
    key, unit_key, default, default_unit = _VALIDITY[token_use]
    config = client.extended_config
    amount = int(config.get(key) or default)
    unit = (config.get("TokenValidityUnits") or {}).get(unit_key, default_unit)
    return amount * _UNIT_SECONDS[unit]


def create_jwt(self: CognitoIdpUserPool, client_id: str, username: str, token_use: str,
               expires_in: int = 3600, extra_data: dict[str, Any] | None = None) -> Any:
    extra = dict(extra_data or {})
    if token_use == "id":
        # [IDTOKEN] The email claims are the user's attributes; moto writes the
        # internal username (a UUID in email-alias pools) instead.
        attributes = flatten_attrs(self._get_user(username).attributes)
        if "email" in attributes:
            extra["email"] = attributes["email"]
            extra["email_verified"] = attributes.get("email_verified") == "true"
    event = _auth_events(self).get(str(extra.get("origin_jti")))
    if event is not None:
        extra["auth_time"], extra["event_id"] = event  # [ACCESS] kept across refreshes
    token, seconds = ORIGINALS["create_jwt"](
        self, client_id, username, token_use, _validity_seconds(self, client_id, token_use) or expires_in, extra)
    if token_use == "access":
        token = jwt.encode({"alg": "RS256", "kid": ACCESS_KID}, claims(token), _ACCESS_KEY)
    return token, seconds


def _opaque_refresh_token() -> str:
    """[REFRESH] Shaped like Cognito's: a JWE compact serialization of about 1.7 KB."""
    header = base64.urlsafe_b64encode(b'{"cty":"JWT","enc":"A256GCM","alg":"RSA-OAEP"}').decode().rstrip("=")
    parts = (secrets.token_urlsafe(256), secrets.token_urlsafe(12), secrets.token_urlsafe(900),
             secrets.token_urlsafe(16))
    return ".".join((header, *parts))


def create_refresh_token(self: CognitoIdpUserPool, client_id: str, username: str) -> tuple[str, str]:
    _sweep(self)
    token, origin_jti = _opaque_refresh_token(), str(uuid.uuid4())
    self.refresh_tokens[token] = (client_id, username, origin_jti)
    _auth_events(self)[origin_jti] = (int(_now()), str(uuid.uuid4()))
    return token, origin_jti


def _sweep(pool: CognitoIdpUserPool) -> None:
    """[EXPIRY] Drop the access and ID tokens past their ``exp``, and the refresh tokens (revoked
    or not) past their client's validity; at most once every ``SWEEP_EVERY`` seconds."""
    now = _now()
    if now - getattr(pool, "swept_at", 0.0) < SWEEP_EVERY:
        return
    pool.swept_at = now  # type: ignore[attr-defined]
    for issued in (pool.access_tokens, pool.id_tokens):
        for token in [t for t in issued if claims(t).get("exp", 0) <= now]:
            del issued[token]
    events, revoked = _auth_events(pool), _revoked(pool)
    longest = max((_validity_seconds(pool, c, "refresh") or 0 for c in pool.clients), default=0)
    for token, entry in list(pool.refresh_tokens.items()):
        if entry is None:  # revoked: kept (to say so) for as long as it could have been valid
            issued_at, validity = revoked.get(token, 0.0), longest
        else:
            issued_at, validity = events.get(entry[2], (0, ""))[0], _validity_seconds(pool, entry[0], "refresh") or 0
        if issued_at + validity <= now:
            del pool.refresh_tokens[token]
            revoked.pop(token, None)
    for origin in [o for o, (at, _) in events.items() if at + longest <= now]:
        del events[origin]


def _revoked(pool: CognitoIdpUserPool) -> dict[str, float]:
    """Revoked refresh token -> when (moto keeps only a ``None`` in its place)."""
    return attached.table(pool, "revoked_at")


def refresh(pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, parameters: dict[str, str]) -> dict[str, Any]:
    """REFRESH_TOKEN_AUTH, public or admin: [REFRESH] bound to its client, [SECRET] checked."""
    entry = pool.refresh_tokens.get(parameters.get("REFRESH_TOKEN") or "", False)
    if entry is False:
        raise NotAuthorizedError("Invalid Refresh Token")
    if entry is None:
        raise NotAuthorizedError("Refresh Token has been revoked")
    token_client, username, _ = entry
    if token_client != client.id:
        raise NotAuthorizedError("Invalid Refresh Token")
    user = pool._get_user(username)
    if user is None:
        raise NotAuthorizedError("Invalid Refresh Token")
    users.check_secret_hash(client, user.username, parameters.get("SECRET_HASH"))
    users.check_enabled(user)
    access, id_token, expires_in = pool.create_tokens_from_refresh_token(parameters["REFRESH_TOKEN"])
    return {"ChallengeParameters": {}, "AuthenticationResult": {
        "AccessToken": access, "IdToken": id_token, "ExpiresIn": expires_in, "TokenType": "Bearer"}}


def revoke(pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, token: str, client_secret: str | None) -> None:
    """[REVOKE] Revoke a refresh token and every token issued from it."""
    if client.generate_secret and not hmac.compare_digest(str(client_secret or ""), client.secret):
        raise JsonRESTError("UnauthorizedException", "Client authentication failed.")
    if client.extended_config.get("EnableTokenRevocation") is False:
        raise JsonRESTError("UnsupportedOperationException", "Token revocation isn't enabled for this client.")
    entry = pool.refresh_tokens.get(token)
    if entry is None:
        # Unknown or already revoked: success, as OAuth revocation (RFC 7009
        # section 2.2) answers for a token that is no longer valid.
        return
    token_client, _, origin_jti = entry
    if token_client != client.id:
        raise JsonRESTError("UnauthorizedException", "The token was not issued to this client.")
    pool.refresh_tokens[token] = None
    _revoked(pool)[token] = _now()
    # [REVOKING] "all access tokens that were previously issued by that
    # refresh token become invalid", including the one from sign-in.
    for issued in (pool.access_tokens, pool.id_tokens):
        for found in [t for t in issued if claims(t).get("origin_jti") == origin_jti]:
            del issued[found]


PATCHES: dict[str, tuple[type, Any]] = {
    "create_jwt": (CognitoIdpUserPool, create_jwt),
    "create_refresh_token": (CognitoIdpUserPool, create_refresh_token),
}
