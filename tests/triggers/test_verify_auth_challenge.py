"""Verify Auth Challenge on raw events, against a real challenge in moto."""

from __future__ import annotations

import secrets
import time
from typing import Any

import pytest

from chalicelib import aws
from chalicelib.signin import addresses, challenges, codes, linktoken
from tests.conftest import load_event
from triggers import verify_auth_challenge

EMAIL = "ada@example.com"


@pytest.fixture
def challenge(stack: Any) -> tuple[str, str, str]:
    """A live challenge for EMAIL: its id, code and link token."""
    challenge_id, code, nonce = challenges.new_id(), codes.new_code(), linktoken.new_nonce()
    expires = int(time.time()) + 600
    token = linktoken.seal(linktoken.LinkPayload(challenge_id, nonce, EMAIL, expires))
    stored = challenges.Challenge(challenge_id, EMAIL, addresses.email_hash(EMAIL), codes.code_mac(challenge_id, code),
                                  challenges.nonce_hash(nonce), expires, "sign_in", "/")
    aws.client("dynamodb").transact_write_items(TransactItems=list(challenges.writes(stored)))
    return challenge_id, code, token


def verify(answer: Any, method: str, challenge_id: str, flow: str | None = None, **request: Any) -> bool:
    """One Verify call; each in a new Cognito flow unless ``flow`` names one (a retry)."""
    event = load_event("verify_auth_challenge")
    event["request"]["privateChallengeParameters"]["flow"] = flow or secrets.token_urlsafe(24)
    event["request"].update(challengeAnswer=answer,
                            clientMetadata={"method": method, "challenge": challenge_id}, **request)
    return bool(verify_auth_challenge.handler(event, None)["response"]["answerCorrect"])


def test_the_right_code_once(challenge: tuple[str, str, str]) -> None:
    challenge_id, code, _ = challenge
    assert verify(code, "code", challenge_id) is True
    assert verify(code, "code", challenge_id) is False


def test_the_right_link_once(challenge: tuple[str, str, str]) -> None:
    challenge_id, _, token = challenge
    assert verify(token, "link", challenge_id) is True
    assert verify(token, "link", challenge_id) is False


@pytest.mark.parametrize("method", ["code", "link"])
def test_cognitos_retry_of_the_same_flow_gets_the_same_verdict(challenge: tuple[str, str, str],
                                                               method: str) -> None:
    challenge_id, code, token = challenge
    answer = code if method == "code" else token
    assert verify(answer, method, challenge_id, flow="flow-one") is True
    assert verify(answer, method, challenge_id, flow="flow-one") is True  # the retry
    assert verify(answer, method, challenge_id, flow="flow-two") is False  # a replay
    found = challenges.get(challenge_id)
    assert found is not None and found.attempts == (1 if method == "code" else 0)


def test_a_retried_wrong_code_counts_once(challenge: tuple[str, str, str]) -> None:
    challenge_id, code, _ = challenge
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(3):
        assert verify(wrong, "code", challenge_id, flow="same-flow") is False
    assert verify(code, "code", challenge_id) is True  # 1 attempt of 3 used, not 3


def test_a_missing_flow_id_is_a_wrong_answer(challenge: tuple[str, str, str]) -> None:
    challenge_id, code, _ = challenge
    assert verify(code, "code", challenge_id, privateChallengeParameters={"challenge": "EMAIL_CODE_OR_LINK"}) is False
    assert verify(code, "code", challenge_id) is True


@pytest.mark.parametrize("change", [
    {"clientMetadata": {}}, {"clientMetadata": {"method": "sms", "challenge": "x"}},
    {"userNotFound": True}, {"userAttributes": {"email": "eve@example.com", "email_verified": "true"}},
    {"userAttributes": {}}, {"challengeAnswer": None}, {"challengeAnswer": 123456},
])
def test_anything_odd_is_a_wrong_answer(challenge: tuple[str, str, str], change: dict[str, Any]) -> None:
    challenge_id, code, _ = challenge
    event = load_event("verify_auth_challenge")
    event["request"].update(challengeAnswer=code, clientMetadata={"method": "code", "challenge": challenge_id})
    event["request"].update(change)
    event["request"]["privateChallengeParameters"]["flow"] = secrets.token_urlsafe(24)
    assert verify_auth_challenge.handler(event, None)["response"]["answerCorrect"] is False
    assert verify(code, "code", challenge_id) is True  # the challenge was not consumed


def test_a_link_answer_for_the_code_method_fails(challenge: tuple[str, str, str]) -> None:
    challenge_id, code, token = challenge
    assert verify(token, "code", challenge_id) is False
    assert verify(code, "link", challenge_id) is False
