"""Email addresses: strict parsing, one normal form, and a keyed hash.

The keyed hash (HMAC-SHA256 under the ``email-hash-key`` secret) stands in
for the address wherever it would otherwise be stored or logged: stable per
account, useless without the key.
"""

from __future__ import annotations

import hashlib
import hmac

from chalicelib import params

MAX_LENGTH = 254  # RFC 5321 path limit, checked before any parsing


class InvalidEmail(ValueError):
    """Not one well-formed address."""


def normalize(raw: object) -> str:
    """One address, in the form every bucket and lookup uses (case-folded)."""
    if not isinstance(raw, str) or not raw or len(raw) > MAX_LENGTH:
        raise InvalidEmail("email must be one address of at most 254 characters")
    if any(c in raw for c in "\r\n\0,;") or raw != raw.strip():
        raise InvalidEmail("email must be exactly one address")
    # Imported here: it compiles its grammar at import (~35 ms), and the
    # triggers, which never parse an address, should not pay for it.
    from email_validator import EmailNotValidError, validate_email

    try:
        result = validate_email(raw, check_deliverability=False, allow_quoted_local=False,
                                allow_domain_literal=False, allow_display_name=False)
    except EmailNotValidError as exc:
        raise InvalidEmail("email is not a valid address") from exc
    # Cognito usernames here are case-insensitive; buckets and hashes must agree.
    return str(result.normalized).lower()


def email_hash(normalized: str) -> str:
    """HMAC-SHA256 of a normalized address under the stage's email-hash key (lower-cased
    here too: an address Cognito hands back keeps the case an operator typed)."""
    key = params.secret(params.EMAIL_HASH_KEY)
    return hmac.new(key, normalized.lower().encode("utf-8"), hashlib.sha256).hexdigest()


def same_address(a: str, b: str) -> bool:
    return hmac.compare_digest(a.lower().encode("utf-8"), b.lower().encode("utf-8"))
