"""Codes: uniform over all six digits, stored only as a bound HMAC."""

from __future__ import annotations

from collections import Counter
from typing import Any

from chalicelib.signin import codes


def test_every_digit_is_possible_in_every_position() -> None:
    counts = [Counter[str]() for _ in range(6)]
    for _ in range(20000):
        code = codes.new_code()
        assert codes.is_well_formed(code)
        for position, digit in enumerate(code):
            counts[position][digit] += 1
    for position in counts:
        assert set(position) == set("0123456789")
        # 2000 expected per digit; 1700 is over 6 standard deviations below.
        assert min(position.values()) > 1700


def test_formats() -> None:
    assert codes.is_well_formed("000000") and codes.is_well_formed("999999")
    for bad in ("12345", "1234567", "12345a", "١٢٣٤٥٦", " 12345", 123456, None):
        assert not codes.is_well_formed(bad)


def test_mac_is_bound_to_the_challenge(stack: Any) -> None:
    mac = codes.code_mac("challenge-a", "123456")
    assert codes.code_matches("challenge-a", "123456", mac)
    assert not codes.code_matches("challenge-b", "123456", mac)
    assert not codes.code_matches("challenge-a", "123457", mac)
    assert "123456" not in mac
