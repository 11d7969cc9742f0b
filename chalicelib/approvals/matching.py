"""What a person compares and types: user codes and the numbers to match.

User codes follow RFC 8628 §6.1: 8 characters from 20 consonants with no
vowels (so no words) and no look-alikes, shown as ``XXXX-XXXX``: 20^8 ≈ 2^34.6
codes, which the per-IP and global entry limits make unguessable within a
code's 10 minutes (RFC 8628 §5.1). A browser's request id, which travels
only inside a QR code, is longer (24 characters, ≈ 2^104) from the same
alphabet, so that one normaliser serves both.
"""

from __future__ import annotations

import secrets

ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"  # RFC 8628 §6.1's example set (Authlib's too)
USER_CODE_LENGTH = 8
REQUEST_ID_LENGTH = 24
MAX_TYPED = 64  # longer input is refused before it is normalised


def _letters(count: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(count))


def user_code() -> str:
    """A new user code, as shown: ``XXXX-XXXX``."""
    raw = _letters(USER_CODE_LENGTH)
    return f"{raw[:4]}-{raw[4:]}"


def request_id() -> str:
    return _letters(REQUEST_ID_LENGTH)


def canonical(shown: str) -> str:
    """A code as it is stored and looked up: without dashes, spaces or case."""
    return "".join(c for c in shown.upper() if c not in "- \t")


def normalise(typed: str) -> str | None:
    """The code a person typed, in its canonical form; None when it cannot be one."""
    if len(typed) > MAX_TYPED:
        return None
    found = canonical(typed)
    ok = len(found) in (USER_CODE_LENGTH, REQUEST_ID_LENGTH) and all(c in ALPHABET for c in found)
    return found if ok else None


def match_number() -> str:
    """The asker's 2-digit number (10-99: two digits, none hidden by a leading zero)."""
    return str(10 + secrets.randbelow(90))


def choices(number: str) -> list[str]:
    """Three distinct numbers in random order, one of them ``number``. Drawn once per
    request and stored: fresh decoys on every look would give the answer away."""
    picked = {number}
    while len(picked) < 3:
        picked.add(match_number())
    ordered = list(picked)
    secrets.SystemRandom().shuffle(ordered)
    return ordered
