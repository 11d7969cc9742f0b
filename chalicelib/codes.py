"""Six-digit email codes: drawn from ``secrets``, stored only as an HMAC."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from chalicelib import params

_CODE = re.compile(r"[0-9]{6}")  # not \d: that matches any Unicode digit


def new_code() -> str:
    """A uniformly random code: every digit in every position is possible."""
    return f"{secrets.randbelow(10**6):06d}"


def is_well_formed(code: object) -> bool:
    return isinstance(code, str) and _CODE.fullmatch(code) is not None


def code_mac(challenge_id: str, code: str) -> str:
    """HMAC of the code, bound to its challenge so MACs can't be swapped."""
    pepper = params.secret(params.CODE_PEPPER)
    message = f"{challenge_id}:{code}".encode("ascii")
    return hmac.new(pepper, message, hashlib.sha256).hexdigest()


def code_matches(challenge_id: str, code: str, expected_mac: str) -> bool:
    if not is_well_formed(code):
        return False
    return hmac.compare_digest(code_mac(challenge_id, code), expected_mac)
