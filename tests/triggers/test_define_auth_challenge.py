"""Define Auth Challenge on raw Cognito events: challenge, allow, deny."""

from __future__ import annotations

import pytest

from tests.conftest import load_event
from triggers import define_auth_challenge

pytestmark = pytest.mark.usefixtures("stack")  # triggers read the audit key from SSM


def decide(name: str, **request: object) -> dict[str, object]:
    event = load_event(name)
    event["request"].update(request)
    return define_auth_challenge.handler(event, None)["response"]


def test_first_step_presents_the_challenge() -> None:
    assert decide("define_auth_challenge_first") == {
        "challengeName": "CUSTOM_CHALLENGE", "issueTokens": False, "failAuthentication": False}


def test_unknown_users_get_the_same_first_step() -> None:
    assert decide("define_auth_challenge_first", userNotFound=True, userAttributes={})["challengeName"] == \
        "CUSTOM_CHALLENGE"


def test_a_correct_answer_is_allowed() -> None:
    assert decide("define_auth_challenge_answered") == {
        "challengeName": None, "issueTokens": True, "failAuthentication": False}


@pytest.mark.parametrize("name,request_changes", [
    ("define_auth_challenge_wrong", {}),
    ("define_auth_challenge_user_not_found", {}),
    ("define_auth_challenge_answered", {"userNotFound": True}),
    ("define_auth_challenge_answered", {"session": [
        {"challengeName": "PASSWORD_VERIFIER", "challengeResult": True}]}),
    ("define_auth_challenge_answered", {"session": [
        {"challengeName": "CUSTOM_CHALLENGE", "challengeResult": False},
        {"challengeName": "CUSTOM_CHALLENGE", "challengeResult": True}]}),
])
def test_everything_else_is_denied(name: str, request_changes: dict[str, object]) -> None:
    response = decide(name, **request_changes)
    assert response["failAuthentication"] is True and response["issueTokens"] is False
