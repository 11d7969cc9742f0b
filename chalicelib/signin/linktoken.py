"""Magic-link tokens: ``<challenge id>.<KMS ciphertext>``.

The ciphertext holds the challenge id, a nonce, the address and the expiry,
encrypted under the stage's KMS key with an EncryptionContext that binds the
purpose and the stage (KMS authenticates it: a token from another stage or
for another purpose fails to decrypt). The clear challenge id lets the API
find the challenge before anything is decrypted. The API opens a token before
it lets Cognito see it (only a right answer reaches Cognito or creates a
sign-up's account); the Verify trigger opens it again.

``encrypt``/``decrypt`` are the same sealing for any purpose: the "this
wasn't me" links (``chalicelib.sessions.notme``) use them with their own.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib import aws
from chalicelib.config import settings
from chalicelib.signin import addresses, challenges

PURPOSE = "sesame-sign-in-link"
STEP_UP = "sesame-step-up"
ADDRESS_CHANGE = "sesame-address-change"
MAX_LENGTH = 2048
_TOKEN = re.compile(rf"({challenges.ID_PATTERN})\.([A-Za-z0-9_-]{{16,2000}})")


class InvalidLink(ValueError):
    """Malformed, tampered, foreign or expired: callers give one answer for all."""


class LinkUnavailable(RuntimeError):
    """KMS could not be asked (outage, throttling, permissions): not the link's fault."""


# KMS's answers that mean "this ciphertext is not ours"; any other failure is KMS's.
_REFUSED = ("InvalidCiphertextException", "IncorrectKeyException", "ValidationException")


@dataclass(frozen=True)
class LinkPayload:
    challenge_id: str
    nonce: str
    email: str
    expires_at: int


def _context(purpose: str) -> dict[str, str]:
    return {"purpose": purpose, "stage": settings().stage}


def encrypt(data: dict[str, Any], purpose: str) -> str:
    """``data`` as URL-safe KMS ciphertext bound to ``purpose`` and the stage."""
    plain = json.dumps(data, separators=(",", ":")).encode("utf-8")
    blob = aws.client("kms").encrypt(KeyId=settings().kms_key_id, Plaintext=plain,
                                     EncryptionContext=_context(purpose))["CiphertextBlob"]
    return base64.urlsafe_b64encode(blob).decode().rstrip("=")


def decrypt(encoded: str, purpose: str) -> dict[str, Any]:
    """The data ``encrypt`` sealed; ``InvalidLink`` for anything else, ``LinkUnavailable`` if KMS fails."""
    try:
        blob = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except (binascii.Error, ValueError) as exc:
        raise InvalidLink("malformed") from exc
    try:
        plain = aws.client("kms").decrypt(CiphertextBlob=blob, EncryptionContext=_context(purpose),
                                          KeyId=settings().kms_key_id)["Plaintext"]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in _REFUSED:
            raise InvalidLink("undecryptable") from exc
        raise LinkUnavailable(exc.response.get("Error", {}).get("Code", "")) from exc
    except BotoCoreError as exc:
        raise LinkUnavailable(type(exc).__name__) from exc
    try:
        data = json.loads(plain)
    except ValueError as exc:
        raise InvalidLink("undecryptable") from exc
    if not isinstance(data, dict):
        raise InvalidLink("undecryptable")
    return data


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


def seal(payload: LinkPayload, purpose: str = PURPOSE) -> str:
    """Encrypt ``payload`` into a URL-safe token (for a sign-in, a step-up or a change of address)."""
    sealed = encrypt({"c": payload.challenge_id, "n": payload.nonce, "e": payload.email,
                      "x": payload.expires_at}, purpose)
    return f"{payload.challenge_id}.{sealed}"


def challenge_id_of(token: object) -> str:
    """The clear challenge id of a well-formed token (no decryption)."""
    if not isinstance(token, str) or len(token) > MAX_LENGTH:
        raise InvalidLink("malformed")
    match = _TOKEN.fullmatch(token)
    if match is None:
        raise InvalidLink("malformed")
    return match.group(1)


def unseal(token: str, purpose: str = PURPOSE) -> LinkPayload:
    """Decrypt and check a token; any failure is ``InvalidLink``."""
    challenge_id = challenge_id_of(token)
    data = decrypt(token.split(".", 1)[1], purpose)
    try:
        payload = LinkPayload(str(data["c"]), str(data["n"]), str(data["e"]), int(data["x"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidLink("undecryptable") from exc
    if payload.challenge_id != challenge_id:
        raise InvalidLink("mismatched")
    return payload


def opens(payload: LinkPayload, found: challenges.Challenge, now: float) -> bool:
    """Whether an unsealed token is the link of challenge ``found``: its id, its
    address, its nonce (compared in constant time), and unexpired."""
    return (payload.challenge_id == found.challenge_id and addresses.same_address(payload.email, found.email)
            and payload.expires_at > now
            and hmac.compare_digest(challenges.nonce_hash(payload.nonce), found.nonce_hash))
