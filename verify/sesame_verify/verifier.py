"""``CognitoJwtVerifier``: every check aws-jwt-verify makes, RFC 8725 style.

The hot path is written out by hand rather than through ``jwt.decode`` so
that a first-seen token costs little more than the RSA verify itself: the
header of a given ``kid`` is parsed once, the signature is checked with the
key object pyjwt built from the JWK, and the claims are checked directly.
"""

from __future__ import annotations

import binascii
import json
import math
import re
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from sesame_verify.errors import (
    ClaimError,
    ExpiredTokenError,
    KeyNotFoundError,
    MalformedTokenError,
    NotYetValidError,
    RevokedTokenError,
    SignatureError,
)
from sesame_verify.jwks import Fetcher, JwksCache, fetch_url

MAX_TOKEN_BYTES = 8 * 1024
MAX_LEEWAY = 300
ALGORITHM = "RS256"
_POOL_ID = re.compile(r"[\w-]+_[0-9a-zA-Z]+")
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_ALPHABET_BYTES = _ALPHABET.encode("ascii")
_INDEX = {c: i for i, c in enumerate(_ALPHABET.encode("ascii"))}
_TOKEN_CHARACTERS = _ALPHABET_BYTES + b"."
# Unused low bits of the last character, by length mod 4: they must be zero,
# or two different strings would decode to the same bytes.
_UNUSED_BITS_MASK = {0: 0, 2: 0b1111, 3: 0b11}


_TO_STANDARD = bytes.maketrans(b"-_", b"+/")
_PKCS1 = padding.PKCS1v15()
_SHA256 = hashes.SHA256()


def _decode_checked(data: bytes) -> bytes:
    """Strict base64url for bytes already checked against the alphabet:
    no padding, and canonical (unused low bits of the last character zero)."""
    rem = len(data) % 4
    if not data or rem == 1:
        raise MalformedTokenError("segment is not base64url")
    if _INDEX[data[-1]] & _UNUSED_BITS_MASK[rem]:
        raise MalformedTokenError("segment is not canonical base64url")
    try:
        return binascii.a2b_base64(data.translate(_TO_STANDARD) + b"=" * (-rem % 4))
    except (binascii.Error, ValueError) as exc:
        raise MalformedTokenError("segment is not base64url") from exc


def _json_object(raw: bytes, what: str) -> dict[str, Any]:
    try:
        # NaN and Infinity parse, but no time claim accepts them (see _number).
        value = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # RecursionError: deeply nested input
        raise MalformedTokenError(f"{what} is not JSON") from exc
    if not isinstance(value, dict):
        raise MalformedTokenError(f"{what} is not a JSON object")
    return value


def _number(claims: Mapping[str, Any], name: str, required: bool) -> float | None:
    value = claims.get(name)
    if value is None:
        if required:
            raise ClaimError(f"{name} is required")
        return None
    # bool is an int in Python; a boolean exp is not a time.
    if type(value) not in (int, float) or not math.isfinite(value):
        raise ClaimError(f"{name} must be a number")
    return float(value)


class CognitoJwtVerifier:
    """Verifies Cognito access or ID tokens of one user pool and its clients.

    >>> verifier = CognitoJwtVerifier("eu-west-1_AbC123", "client-id", "access")
    >>> claims = verifier.verify(token)   # raises a TokenError subclass
    """

    def __init__(self, user_pool_id: str, client_id: str | Iterable[str], token_use: str, *,
                 issuer: str | None = None, jwks_uri: str | None = None,
                 jwks: Mapping[str, Any] | None = None, leeway: float = 0,
                 is_revoked: Callable[[Mapping[str, Any]], bool] | None = None,
                 timeout: float = 3.0, cooldown: float = 30.0, fetcher: Fetcher = fetch_url,
                 clock: Callable[[], float] = time.time) -> None:
        if not isinstance(user_pool_id, str) or not _POOL_ID.fullmatch(user_pool_id):
            raise ValueError("user_pool_id must look like <region>_<id>")
        if token_use not in ("access", "id"):
            raise ValueError('token_use must be "access" or "id"')
        clients = (client_id,) if isinstance(client_id, str) else tuple(client_id)
        if not clients or not all(isinstance(c, str) and c for c in clients):
            raise ValueError("client_id must be a non-empty string or list of strings")
        if not 0 <= leeway <= MAX_LEEWAY:
            raise ValueError(f"leeway must be between 0 and {MAX_LEEWAY} seconds")
        region = user_pool_id.split("_", 1)[0]
        self.issuer = issuer or f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"
        self.token_use = token_use
        self.client_ids = frozenset(clients)
        self.leeway = leeway
        self.is_revoked = is_revoked
        self._client_claim = "client_id" if token_use == "access" else "aud"
        self._clock = clock
        uri = jwks_uri or (None if jwks is not None else f"{self.issuer}/.well-known/jwks.json")
        self.jwks = JwksCache(uri, jwks=jwks, timeout=timeout, cooldown=cooldown, fetcher=fetcher)
        self._headers: dict[bytes, str] = {}  # header segment -> kid, for headers already checked

    def verify(self, token: str) -> dict[str, Any]:
        """The token's claims, if every check passes; else a ``TokenError`` subclass."""
        if not isinstance(token, str) or len(token) > MAX_TOKEN_BYTES:
            raise MalformedTokenError("token must be a string of at most 8 KiB")
        try:
            raw = token.encode("ascii")
        except UnicodeEncodeError as exc:
            raise MalformedTokenError("token is not base64url") from exc
        # One pass checks every character of every segment (deleting the valid ones).
        if raw.translate(None, _TOKEN_CHARACTERS):
            raise MalformedTokenError("token is not base64url")
        parts = raw.split(b".")
        if len(parts) != 3:
            raise MalformedTokenError("token must have exactly three segments")
        header_b64, payload_b64, signature_b64 = parts
        kid = self._headers.get(header_b64) or self._check_header(header_b64)
        key = self.jwks.get(kid)
        if key is None:
            raise KeyNotFoundError("no signing key for this kid")
        payload = _decode_checked(payload_b64)
        signature = _decode_checked(signature_b64)
        signing_input = raw[: len(header_b64) + 1 + len(payload_b64)]
        try:
            # The key object is the one pyjwt's PyJWK built from the JWK.
            key.key.verify(signature, signing_input, _PKCS1, _SHA256)
        except InvalidSignature as exc:
            raise SignatureError("signature does not verify") from exc
        claims = _json_object(payload, "payload")
        self._check_claims(claims)
        if self.is_revoked is not None and self.is_revoked(claims):
            raise RevokedTokenError("token was revoked")
        return claims

    def _check_header(self, header_b64: bytes) -> str:
        header = _json_object(_decode_checked(header_b64), "header")
        # Pinned: RS256 only, whatever the header or the key says (no "none", no HS*).
        if header.get("alg") != ALGORITHM:
            raise MalformedTokenError("alg must be RS256")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid or len(kid) > 256:
            raise MalformedTokenError("kid is required")
        if "crit" in header:
            # We implement no JWS extension, so any critical one is unknown (RFC 7515 4.1.11).
            raise MalformedTokenError("unsupported critical header")
        # jku, x5u, jwk and x5c are ignored: keys come only from our JWKS.
        if len(self._headers) >= 64:  # bounded: junk headers cannot grow it
            self._headers.clear()
        self._headers[header_b64] = kid
        return kid

    def _check_claims(self, claims: Mapping[str, Any]) -> None:
        now = self._clock()
        exp = _number(claims, "exp", required=True)
        iat = _number(claims, "iat", required=True)
        nbf = _number(claims, "nbf", required=False)
        assert exp is not None and iat is not None
        if now >= exp + self.leeway:
            raise ExpiredTokenError("token has expired")
        if nbf is not None and now < nbf - self.leeway:
            raise NotYetValidError("token is not valid yet")
        if iat > now + self.leeway:
            raise NotYetValidError("token was issued in the future")
        if claims.get("iss") != self.issuer:
            raise ClaimError("iss does not match")
        if claims.get("token_use") != self.token_use:
            raise ClaimError("token_use does not match")
        client = claims.get(self._client_claim)
        if not isinstance(client, str) or client not in self.client_ids:
            raise ClaimError(f"{self._client_claim} is not an allowed client")
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub:
            raise ClaimError("sub is required")
