"""``CognitoJwtVerifier``: every check aws-jwt-verify makes, RFC 8725 style.

The hot path is written out by hand rather than through ``jwt.decode`` so
that a first-seen token costs little more than the RSA verify itself: the
header of a given ``kid`` is parsed once, the signature is checked with the
key object pyjwt built from the JWK, and the claims are checked directly.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple, Protocol

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
    TokenError,
)
from sesame_verify.jwks import Fetcher, JwksCache, SigningKey, fetch_url

MAX_TOKEN_BYTES = 8 * 1024
MAX_LEEWAY = 300
ALGORITHM = "RS256"
_POOL_ID = re.compile(r"[\w-]+_[0-9a-zA-Z]+")
_URL_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_STANDARD_ALPHABET = _URL_ALPHABET.translate(bytes.maketrans(b"-_", b"+/"))
# The whole token is translated once: base64url to the standard alphabet, the
# dots kept, every other byte to NUL. The index of each standard character
# finds the unused low bits of a segment's last one.
_CHECK_AND_TRANSLATE = bytes(
    _STANDARD_ALPHABET[_URL_ALPHABET.index(b)] if b in _URL_ALPHABET else b if b == ord(".") else 0
    for b in range(256))
_INDEX = {c: i for i, c in enumerate(_STANDARD_ALPHABET)}
# Unused low bits of the last character, by length mod 4: they must be zero,
# or two different strings would decode to the same bytes.
_UNUSED_BITS_MASK = {0: 0, 2: 0b1111, 3: 0b11}
_PADDING = {0: b"", 2: b"==", 3: b"="}
_PKCS1 = padding.PKCS1v15()
_SHA256 = hashes.SHA256()
_scan_json = json.JSONDecoder().raw_decode

CustomCheck = Callable[[dict[str, Any], dict[str, Any], dict[str, Any]], object]


class Revocation(Protocol):
    """A revocation check (``sesame_verify.Introspection``): raises ``RevokedTokenError``."""

    def check(self, token: str, claims: Mapping[str, Any]) -> None: ...


class Parts(NamedTuple):
    """A token split and decoded, its signature not yet checked."""

    header_b64: bytes  # in the standard alphabet: the key of the header cache
    payload: bytes
    signature: bytes
    signing_input: bytes


def _decode_checked(data: bytes) -> bytes:
    """Base64 of a segment already checked against the alphabet and translated
    to the standard one: no padding, and canonical (unused low bits of the last
    character zero)."""
    rem = len(data) % 4
    if not data or rem == 1:
        raise MalformedTokenError("segment is not base64url")
    if _INDEX[data[-1]] & _UNUSED_BITS_MASK[rem]:
        raise MalformedTokenError("segment is not canonical base64url")
    try:
        return binascii.a2b_base64(data + _PADDING[rem])
    except (binascii.Error, ValueError) as exc:
        raise MalformedTokenError("segment is not base64url") from exc


def split(token: str) -> Parts:
    """Size, alphabet, three segments, strict base64url: before any key or JSON is touched."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_BYTES:
        raise MalformedTokenError("token must be a string of at most 8 KiB")
    try:
        raw = token.encode("ascii")
    except UnicodeEncodeError as exc:
        raise MalformedTokenError("token is not base64url") from exc
    # One pass checks every character (a stranger becomes NUL) and moves to the standard alphabet.
    standard = raw.translate(_CHECK_AND_TRANSLATE)
    if b"\0" in standard:
        raise MalformedTokenError("token is not base64url")
    try:
        header_b64, payload_b64, signature_b64 = standard.split(b".")
    except ValueError as exc:
        raise MalformedTokenError("token must have exactly three segments") from exc
    return Parts(header_b64, _decode_checked(payload_b64), _decode_checked(signature_b64),
                 raw[: len(header_b64) + 1 + len(payload_b64)])


def _token(parts: Parts) -> str:
    """The token again, from its parts (canonical base64url: the very string that came in)."""
    signature = base64.urlsafe_b64encode(parts.signature).rstrip(b"=")
    return (parts.signing_input + b"." + signature).decode("ascii")


def json_object(raw: bytes, what: str) -> dict[str, Any]:
    """A JSON object, or MalformedTokenError."""
    try:
        text = raw.decode("utf-8")
        try:
            # raw_decode skips json.loads's two whitespace scans; whatever it
            # refuses or leaves over (whitespace, junk) json.loads decides.
            value, end = _scan_json(text)
            if end != len(text):
                raise ValueError("trailing data")
        except ValueError:
            value = json.loads(text)
    except (ValueError, RecursionError) as exc:  # RecursionError: deeply nested input
        raise MalformedTokenError(f"{what} is not JSON") from exc
    if type(value) is not dict:
        raise MalformedTokenError(f"{what} is not a JSON object")
    return value


def _number(claims: Mapping[str, Any], name: str, required: bool) -> float | None:
    value = claims.get(name)
    if value is None:
        if required:
            raise ClaimError(f"{name} is required")
        return None
    # bool is an int in Python; a boolean exp is not a time. NaN and Infinity
    # parse as JSON, but are no time.
    if type(value) not in (int, float) or not math.isfinite(value):
        raise ClaimError(f"{name} must be a number")
    return float(value)


def _names(value: str | Iterable[str] | None, what: str) -> frozenset[str] | None:
    """One name or several, as a set; None stays None."""
    if value is None:
        return None
    names = (value,) if isinstance(value, str) else tuple(value)
    if not names or not all(isinstance(n, str) and n for n in names):
        raise ValueError(f"{what} must be a non-empty string or list of strings")
    return frozenset(names)


class CognitoJwtVerifier:
    """Verifies Cognito access or ID tokens of one user pool and its clients.

    >>> verifier = CognitoJwtVerifier("eu-west-1_AbC123", "client-id", "access", groups=["admin"])
    >>> claims = verifier.verify(token)   # raises a TokenError subclass

    ``groups``: ``cognito:groups`` must hold at least one of them. ``scopes``
    (access tokens): ``scope`` must hold at least one of them.
    ``custom_check(header, claims, jwk)`` runs after every built-in check and
    before ``is_revoked``; whatever it raises rejects the token (a TokenError as
    is, anything else as a ClaimError caused by it). ``revocation``
    (``Introspection``) asks Sesame whether the token's session is still live, last.
    """

    def __init__(self, user_pool_id: str, client_id: str | Iterable[str], token_use: str, *,
                 issuer: str | None = None, jwks_uri: str | None = None,
                 jwks: Mapping[str, Any] | None = None, leeway: float = 0,
                 groups: str | Iterable[str] | None = None, scopes: str | Iterable[str] | None = None,
                 custom_check: CustomCheck | None = None,
                 is_revoked: Callable[[Mapping[str, Any]], bool] | None = None,
                 revocation: Revocation | None = None,
                 timeout: float = 3.0, cooldown: float = 30.0, fetcher: Fetcher = fetch_url,
                 clock: Callable[[], float] = time.time) -> None:
        if not isinstance(user_pool_id, str) or not _POOL_ID.fullmatch(user_pool_id):
            raise ValueError("user_pool_id must look like <region>_<id>")
        if token_use not in ("access", "id"):
            raise ValueError('token_use must be "access" or "id"')
        if not 0 <= leeway <= MAX_LEEWAY:
            raise ValueError(f"leeway must be between 0 and {MAX_LEEWAY} seconds")
        if scopes is not None and token_use != "access":
            raise ValueError("scopes are in access tokens only")
        region = user_pool_id.split("_", 1)[0]
        self.issuer = issuer or f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"
        self.token_use = token_use
        self.client_ids: frozenset[str] = _names(client_id, "client_id") or frozenset()
        self.groups = _names(groups, "groups")
        self.scopes = _names(scopes, "scopes")
        self.custom_check = custom_check
        self.leeway = leeway
        self.is_revoked = is_revoked
        self.revocation = revocation
        self._client_claim = "client_id" if token_use == "access" else "aud"
        self._extra = groups is not None or scopes is not None or custom_check is not None
        self._clock = clock
        uri = jwks_uri or (None if jwks is not None else f"{self.issuer}/.well-known/jwks.json")
        self.jwks = JwksCache(uri, jwks=jwks, timeout=timeout, cooldown=cooldown, fetcher=fetcher)
        # header segment -> (kid, header), for headers already checked; bounded in _check_header
        self._headers: dict[bytes, tuple[str, dict[str, Any]]] = {}

    def verify(self, token: str) -> dict[str, Any]:
        """The token's claims, if every check passes; else a ``TokenError`` subclass."""
        return self.verify_parts(split(token))

    def hydrate(self) -> None:
        """Fetch the JWKS now (e.g. during a cold start), not at the first token; ``JwksError`` if it fails."""
        self.jwks.hydrate()

    def cache_jwks(self, jwks: Mapping[str, Any]) -> None:
        """Use the keys of this JWKS document, with no network call."""
        self.jwks.load(jwks)

    def verify_parts(self, parts: Parts, claims: dict[str, Any] | None = None) -> dict[str, Any]:
        """``verify`` after ``split``; ``claims`` is the payload if it was already parsed (by the
        multi-issuer verifier, to route on ``iss``)."""
        kid, header = self._headers.get(parts.header_b64) or self._check_header(parts.header_b64)
        key = self.jwks.get(kid)
        if key is None:
            raise KeyNotFoundError("no signing key for this kid")
        try:
            # The key object is the one pyjwt's PyJWK built from the JWK.
            key.key.verify(parts.signature, parts.signing_input, _PKCS1, _SHA256)
        except InvalidSignature as exc:
            raise SignatureError("signature does not verify") from exc
        if claims is None:
            claims = json_object(parts.payload, "payload")
        self._check_claims(claims)
        if self._extra:
            self._check_extra(header, claims, key)
        if self.is_revoked is not None and self.is_revoked(claims):
            raise RevokedTokenError("token was revoked")
        if self.revocation is not None:
            self.revocation.check(_token(parts), claims)
        return claims

    def _check_header(self, header_b64: bytes) -> tuple[str, dict[str, Any]]:
        header = json_object(_decode_checked(header_b64), "header")
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
        self._headers[header_b64] = (kid, header)
        return kid, header

    def _check_claims(self, claims: Mapping[str, Any]) -> None:
        now = self._clock()
        exp, iat, nbf = claims.get("exp"), claims.get("iat"), claims.get("nbf")
        # Cognito's times are integers and it sets no nbf; anything else takes the checked path.
        if type(exp) is not int or type(iat) is not int or nbf is not None:
            exp, iat = _number(claims, "exp", required=True), _number(claims, "iat", required=True)
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

    def _check_extra(self, header: Mapping[str, Any], claims: dict[str, Any], key: SigningKey) -> None:
        if self.groups is not None:
            groups = claims.get("cognito:groups")
            if type(groups) is not list or self.groups.isdisjoint(g for g in groups if isinstance(g, str)):
                raise ClaimError("cognito:groups holds none of the required groups")
        if self.scopes is not None:
            scope = claims.get("scope")
            if not isinstance(scope, str) or self.scopes.isdisjoint(scope.split(" ")):
                raise ClaimError("scope holds none of the required scopes")
        if self.custom_check is not None:
            try:
                # Copies: a check cannot change the cached header or key.
                self.custom_check(dict(header), claims, dict(key.jwk))
            except TokenError:
                raise
            except Exception as exc:  # any failure of the caller's check rejects the token
                raise ClaimError("custom check failed") from exc
