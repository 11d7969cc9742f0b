"""User codes, request ids and the numbers to match."""

from __future__ import annotations

import math

import pytest

from chalicelib.approvals import matching


def test_user_codes_are_rfc_8628_section_6_1s() -> None:
    drawn = {matching.user_code() for _ in range(2000)}
    assert len(drawn) == 2000  # 20^8: no collisions in a few thousand
    for code in drawn:
        assert len(code) == 9 and code[4] == "-"
        assert set(code.replace("-", "")) <= set("BCDFGHJKLMNPQRSTVWXZ")  # no vowels, no look-alikes
    assert math.log2(20**8) > 34  # the entropy §6.1 gives


@pytest.mark.parametrize(("typed", "expected"), [
    ("WDJB-MJHT", "WDJBMJHT"), ("wdjb mjht", "WDJBMJHT"), (" wDjB-mJhT ", "WDJBMJHT"), ("WDJBMJHT", "WDJBMJHT"),
    ("WDJB-MJH", None), ("WDJA-MJHT", None), ("WDJB-MJH1", None), ("", None), ("X" * 65, None),
])
def test_typing_ignores_dash_case_and_spaces(typed: str, expected: str | None) -> None:
    assert matching.normalise(typed) == expected


def test_a_request_id_normalises_to_itself() -> None:
    request_id = matching.request_id()
    assert len(request_id) == 24 and matching.normalise(request_id) == request_id


def test_three_distinct_two_digit_numbers_one_of_them_right() -> None:
    positions = set()
    for _ in range(300):
        number = matching.match_number()
        choices = matching.choices(number)
        assert len(set(choices)) == 3 and number in choices
        assert all(len(c) == 2 and c.isdigit() and not c.startswith("0") for c in choices)
        positions.add(choices.index(number))
    assert positions == {0, 1, 2}  # the right one is not always in the same place
