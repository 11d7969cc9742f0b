"""Addresses: one normal form, strict parsing, a keyed hash."""

from __future__ import annotations

import re
from typing import Any

import pytest

from chalicelib.signin import addresses


def test_variants_share_one_normal_form() -> None:
    assert addresses.normalize("Victim@Example.COM") == addresses.normalize("victim@example.com")


@pytest.mark.parametrize("bad", [
    "", "a" * 250 + "@x.com", "no-at-sign", "a@b", "a@example.com\n", "a@example.com\r\nBcc: b@x.com",
    "a@example.com,b@example.com", "a@example.com b@example.com", "<a@example.com>", " a@example.com",
    '"a b"@example.com', "a@[127.0.0.1]", 5, None,
])
def test_rejects(bad: Any) -> None:
    with pytest.raises(addresses.InvalidEmail):
        addresses.normalize(bad)


def test_hash_is_keyed_and_stable(stack: Any) -> None:
    first = addresses.email_hash("ada@example.com")
    assert first == addresses.email_hash("ada@example.com")
    assert first != addresses.email_hash("bob@example.com")
    # Hex of an HMAC: "ada" is three hex digits, which a random hash spells 1.5% of the time (a CI run
    # failed so); the address itself can never appear.
    assert re.fullmatch(r"[0-9a-f]{64}", first) and "ada@" not in first
    stack.reset()  # new secrets: the same address hashes differently
    assert addresses.email_hash("ada@example.com") != first
