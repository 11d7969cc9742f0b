"""devstack.lambdas: Cognito's 5-second deadline and its three attempts
([COMMON] in devstack/lambdas.py), with scripted triggers."""

from __future__ import annotations

from typing import Any

import pytest

from devstack import lambdas
from tests.devstack.conftest import ARN, EMAIL, Script, answer
from tests.devstack.test_custom_auth import error_of


@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch) -> float:
    """A shorter deadline, so a test can overrun it without waiting 5 s."""
    monkeypatch.setattr(lambdas, "DEADLINE_SECONDS", 0.3)
    yield 0.3
    lambdas.clear_faults()


def sign_in(idp: Any, client_id: str) -> Any:
    started = idp.initiate_auth(ClientId=client_id, AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": EMAIL})
    return answer(idp, client_id, started, "424242")


def test_a_trigger_that_fails_once_is_retried_with_the_same_event(
        idp: Any, pool: tuple[str, str], script: Script, quick: float) -> None:
    lambdas.inject(ARN.format("verify"), lambdas.Fault("error"))
    assert sign_in(idp, pool[1])["AuthenticationResult"]
    verifies = [e for e in script.events if e["triggerSource"].startswith("Verify")]
    assert len(verifies) == 2 and verifies[0] == verifies[1]


def test_a_trigger_that_overruns_the_deadline_once_is_retried(
        idp: Any, pool: tuple[str, str], script: Script, quick: float) -> None:
    lambdas.inject(ARN.format("define"), lambdas.Fault("slow", delay=quick * 2))
    assert sign_in(idp, pool[1])["AuthenticationResult"]
    assert script.sources().count("DefineAuthChallenge_Authentication") == 3  # 2 tries, then the last step


def test_three_overruns_fail_the_request(idp: Any, pool: tuple[str, str], script: Script, quick: float) -> None:
    slow = lambdas.Fault("slow", delay=quick * 2)
    lambdas.inject(ARN.format("create"), slow, slow, slow)
    code, message = error_of(lambda: sign_in(idp, pool[1]))
    assert code == "UserLambdaValidationException" and "timed out" in message
    assert script.sources().count("CreateAuthChallenge_Authentication") == lambdas.ATTEMPTS


def test_a_trigger_that_always_raises_is_tried_three_times(idp: Any, pool: tuple[str, str], script: Script) -> None:
    script.raise_in = "verify"
    code, message = error_of(lambda: sign_in(idp, pool[1]))
    assert code == "UserLambdaValidationException" and "failed with error boom" in message
    assert script.sources().count("VerifyAuthChallengeResponse_Authentication") == 3


def test_the_context_counts_down_from_five_seconds() -> None:
    context = lambdas.Context("arn:aws:lambda:eu-west-1:123456789012:function:sesame-local-verify_auth_challenge")
    assert 4000 < context.get_remaining_time_in_millis() <= 5000
    assert context.function_name == "sesame-local-verify_auth_challenge"
    assert lambdas.role_of(context.invoked_function_arn) == "verify_auth_challenge"
