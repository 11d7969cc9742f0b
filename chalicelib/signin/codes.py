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


def _mac(pepper: bytes, challenge_id: str, code: str) -> str:
    return hmac.new(pepper, f"{challenge_id}:{code}".encode("ascii"), hashlib.sha256).hexdigest()


def code_mac(challenge_id: str, code: str) -> str:
    """HMAC of the code under the current pepper, bound to its challenge so MACs can't be swapped."""
    return _mac(params.secret(params.CODE_PEPPER), challenge_id, code)


def code_matches(challenge_id: str, code: str, expected_mac: str) -> bool:
    """Compare in constant time, under the current pepper and, during a
    rotation, the previous one, so codes mailed before it still work."""
    if not is_well_formed(code):
        return False
    peppers = [params.secret(params.CODE_PEPPER), params.previous(params.CODE_PEPPER)]
    matches = [hmac.compare_digest(_mac(p, challenge_id, code), expected_mac) for p in peppers if p]
    return any(matches)
