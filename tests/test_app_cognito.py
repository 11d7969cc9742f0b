"""The product against a strict Cognito: administrator-made accounts, Cognito's
trigger retries, the app client's secret, and dependency failures in Verify."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from chalicelib import aws
from chalicelib.account import signups
from chalicelib.config import settings
from chalicelib.signin import challenges
from devstack import bootstrap, lambdas
from devstack.browser import Browser
from devstack.stack import REGION, LocalStack
from tests.conftest import code_and_token, create_user, inbox, sign_in

VERIFY = bootstrap.trigger_arn(REGION, "local", "verify_auth_challenge")


@pytest.fixture
def closed(stack: LocalStack, api: str) -> Iterator[None]:
    stack.overrides["SESAME_SIGN_UP"] = "closed"
    stack.reset()
    yield
    stack.overrides.pop("SESAME_SIGN_UP")


@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch) -> Iterator[float]:
    """Cognito's 5 s deadline shortened, so a test can overrun it quickly."""
    monkeypatch.setattr(lambdas, "DEADLINE_SECONDS", 1.0)
    yield 1.0
    lambdas.clear_faults()


def request_code(browser: Browser, email: str) -> tuple[str, str, str]:
    """(challenge id, code, link token) of a fresh sign-in request."""
    assert browser.post("/auth/sign-in", {"email": email}).status == 202
    code, token = code_and_token(inbox(email)[0])
    return browser.jar["__Host-sesame-flow"], code, token


def test_an_account_an_administrator_created_signs_in_under_closed_sign_up(
        closed: None, browser: Browser, idp: Any) -> None:
    email = "invited@example.com"
    idp.admin_create_user(UserPoolId=settings().user_pool_id, Username=email, MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": email},
                                          {"Name": "email_verified", "Value": "true"}])
    with aws.acting_as("remove_unproven"):  # with that function's own role
        assert signups.remove_leftovers(older_than=timedelta(seconds=-1)) == 0
    _, code, _ = request_code(browser, email)
    reply = browser.post("/auth/sign-in/code", {"code": code})
    assert reply.status == 200 and reply.body["user"]["email"] == email
    assert idp.admin_get_user(UserPoolId=settings().user_pool_id, Username=email)["UserStatus"] == "CONFIRMED"


@pytest.mark.parametrize("fault", [lambdas.Fault("error"), lambdas.Fault("slow", delay=1.5)])
def test_a_retried_verify_never_burns_the_code(browser: Browser, user: str, quick: float,
                                               fault: lambdas.Fault) -> None:
    challenge_id, code, _ = request_code(browser, user)
    lambdas.inject(VERIFY, fault)  # the first Verify does its writes, then Cognito retries
    reply = browser.post("/auth/sign-in/code", {"code": code})
    assert reply.status == 200, reply.body
    found = challenges.get(challenge_id)
    assert found is not None and found.used and found.attempts == 1


def test_a_retried_verify_of_a_link_gives_the_same_verdict(browser: Browser, new_browser: Any, user: str,
                                                          quick: float) -> None:
    _, _, token = request_code(browser, user)
    lambdas.inject(VERIFY, lambdas.Fault("slow", delay=1.5))
    assert new_browser().post("/auth/sign-in/link", {"token": token}).status == 200
    assert new_browser().post("/auth/sign-in/link", {"token": token}).status == 401  # still single use


def test_a_retried_wrong_code_counts_one_attempt(browser: Browser, user: str, quick: float) -> None:
    challenge_id, code, _ = request_code(browser, user)
    lambdas.inject(VERIFY, lambdas.Fault("error"))
    assert browser.post("/auth/sign-in/code", {"code": "000000" if code != "000000" else "111111"}).status == 401
    found = challenges.get(challenge_id)
    assert found is not None and found.attempts == 1 and not found.used
    assert browser.post("/auth/sign-in/code", {"code": code}).status == 200


def test_calling_cognito_directly_without_the_secret_fails(stack: LocalStack, user: str) -> None:
    # The client id is public; without the secret nobody gets around the API's limits.
    public = aws.client("cognito-idp")
    with pytest.raises(ClientError) as caught:
        public.initiate_auth(ClientId=settings().client_id, AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": user})
    assert caught.value.response["Error"]["Code"] == "NotAuthorizedException"
    assert "secret" in caught.value.response["Error"]["Message"]


def test_the_refresh_cookie_holds_cognitos_username_not_the_address(browser: Browser, user: str) -> None:
    _, code, _ = request_code(browser, user)
    reply = browser.post("/auth/sign-in/code", {"code": code})
    refresh = reply.cookie("__Secure-sesame-refresh")["value"]
    username, _, token = refresh.partition(":")
    assert username == reply.body["user"]["sub"] and user not in refresh
    assert len(token) > 1500 and len(refresh) < 4000  # a real-size refresh token still fits a cookie
    assert browser.post("/auth/refresh").status == 200


def test_the_auth_calls_are_never_retried_by_the_sdk_and_outwait_cognito() -> None:
    config = aws.client("cognito-idp", runs_triggers=True).meta.config
    assert config.retries["total_max_attempts"] == 1
    assert config.read_timeout > lambdas.ATTEMPTS * lambdas.DEADLINE_SECONDS


def test_a_kms_outage_during_a_link_redeem_is_unavailable_not_invalid(
        browser: Browser, new_browser: Any, user: str) -> None:
    challenge_id, _, token = request_code(browser, user)
    key_id = settings().kms_key_id.rsplit("/", 1)[1]
    aws.client("kms").disable_key(KeyId=key_id)  # KMS refuses every decrypt: DisabledException
    reply = new_browser().post("/auth/sign-in/link", {"token": token})
    assert (reply.status, reply.body["error"]["code"]) == (503, "unavailable")
    aws.client("kms").enable_key(KeyId=key_id)
    found = challenges.get(challenge_id)
    assert found is not None and not found.used
    assert new_browser().post("/auth/sign-in/link", {"token": token}).status == 200


def test_operator_made_accounts_that_cognito_holds_back_still_sign_in(browser: Browser, new_browser: Any,
                                                                      idp: Any) -> None:
    """An operator's password reset (RESET_REQUIRED) and a temporary password past its 7 days
    stop Cognito's flow before any trigger runs: the proven code signs in all the same."""
    from moto.cognitoidp.models import cognitoidp_backends

    from devstack.bootstrap import ACCOUNT_ID

    create_user("reset@example.com")
    pool_id = settings().user_pool_id
    idp.admin_reset_user_password(UserPoolId=pool_id, Username="reset@example.com")
    assert sign_in(browser, "reset@example.com").status == 200
    assert idp.admin_get_user(UserPoolId=pool_id, Username="reset@example.com")["UserStatus"] == "CONFIRMED"

    idp.admin_create_user(UserPoolId=pool_id, Username="late@example.com", MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": "late@example.com"},
                                          {"Name": "email_verified", "Value": "true"}])
    pool = cognitoidp_backends[ACCOUNT_ID][settings().region].user_pools[pool_id]
    pool._get_user("late@example.com").create_date -= timedelta(days=8)
    assert sign_in(new_browser(), "late@example.com").status == 200
