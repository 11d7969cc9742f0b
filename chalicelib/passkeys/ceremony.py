"""The WebAuthn ceremonies, through py_webauthn (no hand-written CBOR or COSE).

The relying party is the public origin's host (``localhost`` locally, a
secure context). Registration wants a resident key and user verification,
and no attestation; sign-in asks for any discoverable credential, so no
address is asked first.
"""

from __future__ import annotations

import hmac
import json
from typing import Any
from urllib.parse import urlsplit

from chalicelib.config import settings
from chalicelib.passkeys import store

PRODUCT = "Sesame"
MAX_CREDENTIAL_BYTES = 16 * 1024


class InvalidPasskey(ValueError):
    """Unknown, removed, foreign, replayed or failing: one answer for all."""


def rp_id() -> str:
    return urlsplit(settings().public_url).hostname or "localhost"


def credential_id(credential: object) -> str:
    """The credential's id (base64url), from its JSON, before any check."""
    if not isinstance(credential, dict) or not isinstance(credential.get("id"), str):
        raise InvalidPasskey("malformed")
    if len(json.dumps(credential)) > MAX_CREDENTIAL_BYTES or not 16 <= len(credential["id"]) <= 1400:
        raise InvalidPasskey("malformed")
    return str(credential["id"])


def registration_options(sub: str, email: str) -> tuple[dict[str, Any], str]:
    """(``publicKey`` options, flow id for the cookie)."""
    from webauthn import generate_registration_options, options_to_json
    from webauthn.helpers import base64url_to_bytes
    from webauthn.helpers.structs import (
        AuthenticatorSelectionCriteria,
        PublicKeyCredentialDescriptor,
        ResidentKeyRequirement,
        UserVerificationRequirement,
    )

    existing = [PublicKeyCredentialDescriptor(id=base64url_to_bytes(p.credential_id)) for p in store.of_user(sub)]
    options = generate_registration_options(
        rp_id=rp_id(), rp_name=PRODUCT, user_name=email, user_display_name=email, user_id=store.user_handle(sub),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED, user_verification=UserVerificationRequirement.REQUIRED),
        exclude_credentials=existing)
    return json.loads(options_to_json(options)), store.new_ceremony("register", options.challenge, sub)


def register(sub: str, email_hash: str, flow_id: str | None, credential: object, name: str,
             added_in: str) -> store.Passkey:
    """Check a new credential against its ceremony and keep it."""
    from webauthn import verify_registration_response
    from webauthn.helpers import bytes_to_base64url
    from webauthn.helpers.exceptions import WebAuthnException

    credential_id(credential)
    assert isinstance(credential, dict)  # credential_id() checked it
    found = store.ceremony(flow_id) if flow_id else None
    if found is None or found.kind != "register" or found.sub != sub:
        raise InvalidPasskey("no ceremony")
    try:
        verified = verify_registration_response(
            credential=credential, expected_challenge=found.challenge, expected_rp_id=rp_id(),
            expected_origin=settings().public_origin, require_user_verification=True)
    except WebAuthnException as exc:
        raise InvalidPasskey("rejected") from exc
    if not store.consume(found.flow_id, "api"):
        raise InvalidPasskey("used")
    response = credential.get("response")
    listed = response.get("transports") if isinstance(response, dict) else None
    transports = [t for t in listed if isinstance(t, str)][:8] if isinstance(listed, list) else []
    try:
        return store.add(sub, email_hash, bytes_to_base64url(verified.credential_id),
                         verified.credential_public_key, verified.sign_count, name, transports, added_in)
    except store.AlreadyStored as exc:  # a credential id is one passkey, of one account
        raise InvalidPasskey("already stored") from exc


def authentication_options(sub: str = "", keys: list[store.Passkey] | None = None) -> tuple[dict[str, Any], str]:
    """Options for a sign-in (any discoverable credential) or, with ``sub``, for a
    step-up: one of that account's own passkeys (``keys``), in a ceremony bound to it."""
    from webauthn import generate_authentication_options, options_to_json
    from webauthn.helpers import base64url_to_bytes
    from webauthn.helpers.structs import PublicKeyCredentialDescriptor, UserVerificationRequirement

    allowed = [PublicKeyCredentialDescriptor(id=base64url_to_bytes(p.credential_id)) for p in keys or []] \
        if sub else None
    options = generate_authentication_options(rp_id=rp_id(), user_verification=UserVerificationRequirement.REQUIRED,
                                              allow_credentials=allowed)
    return json.loads(options_to_json(options)), store.new_ceremony("step_up" if sub else "authenticate",
                                                                    options.challenge, sub)


def _handle_matches(credential: dict[str, Any], sub: str) -> bool:
    """WebAuthn L3 section 7.2 step 6: a userHandle, when the assertion carries one, is the account's own."""
    from webauthn.helpers import base64url_to_bytes

    response = credential.get("response")
    handle = response.get("userHandle") if isinstance(response, dict) else None
    if not handle:
        return True
    try:
        given = base64url_to_bytes(str(handle))
    except ValueError:
        return False
    expected = store.existing_handle(sub)
    return expected is not None and hmac.compare_digest(given, expected)


def verify_assertion(flow_id: str, answer: str, sub: str, used_by: str, kind: str = "authenticate") -> str | None:
    """None when ``answer`` (the credential JSON) is a good assertion by ``sub``'s
    passkey for this ceremony, else why not. In the Verify trigger for a sign-in
    (``used_by``: Cognito's flow id), in the API for a step-up."""
    from webauthn import verify_authentication_response
    from webauthn.helpers.exceptions import WebAuthnException

    found = store.ceremony(flow_id)
    if found is None or found.kind != kind or (found.sub and found.sub != sub):
        return "no_ceremony"
    if found.used and found.used_by == used_by:
        return None  # Cognito's retry of the call that consumed it
    try:
        credential = json.loads(answer)
        passkey = store.get(credential_id(credential))
    except (ValueError, InvalidPasskey):
        return "malformed"
    if passkey is None or passkey.sub != sub:
        return "unknown_passkey"
    if not _handle_matches(credential, sub):
        return "foreign_user_handle"
    try:
        verified = verify_authentication_response(
            credential=credential, expected_challenge=found.challenge, expected_rp_id=rp_id(),
            expected_origin=settings().public_origin, credential_public_key=passkey.public_key,
            credential_current_sign_count=passkey.sign_count, require_user_verification=True)
    except WebAuthnException:
        return "bad_assertion"
    if not store.consume(flow_id, used_by):
        return "already_used"
    return None if store.used(passkey, verified.new_sign_count) else "sign_count"
