"""The Cognito CUSTOM_AUTH emulation, one test per documented behaviour.

These run scripted triggers on a pool of their own, so they test the
emulator, not Sesame's triggers. A moto upgrade that breaks the patch fails
here first. Doc references are the ones in devstack/custom_auth.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jwt
import pytest
from botocore.exceptions import ClientError

from devstack import custom_auth
from tests.conftest import load_event
from tests.devstack.conftest import EMAIL, Script, answer, make_pool


def error_of(call: Callable[[], Any]) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call()
    error = caught.value.response["Error"]
    return error["Code"], error["Message"]


def shape(value: Any) -> Any:
    """The key structure of an event, without the values."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    return type(value).__name__ if value is not None else "null"


def test_events_have_cognitos_shape(idp: Any, pool: tuple[str, str], script: Script) -> None:
    # [COMMON] [DEFINE] [CREATE] [VERIFY]: compared with the samples in tests/events.
    _, client_id = pool
    started = idp.initiate_auth(ClientId=client_id, AuthFlow="CUSTOM_AUTH",
                                AuthParameters={"USERNAME": EMAIL})
    answer(idp, client_id, started, "424242", ClientMetadata={"method": "code", "challenge": "c"})
    define, create, verify, define_again = script.events
    assert script.sources() == ["DefineAuthChallenge_Authentication", "CreateAuthChallenge_Authentication",
                                "VerifyAuthChallengeResponse_Authentication",
                                "DefineAuthChallenge_Authentication"]
    common = ["version", "triggerSource", "region", "userPoolId", "userName", "callerContext",
              "request", "response"]
    for event in script.events:
        assert sorted(event) == sorted(common)
        assert event["callerContext"]["clientId"] == client_id
        assert event["region"] == "eu-west-1"
    sample = load_event("define_auth_challenge_first")
    assert shape(define)["request"].keys() == shape(sample)["request"].keys()
    assert define["response"] == sample["response"]
    assert set(create["request"]) == set(load_event("create_auth_challenge")["request"])
    assert create["response"] == load_event("create_auth_challenge")["response"]
    assert set(verify["request"]) == set(load_event("verify_auth_challenge")["request"])
    assert set(define_again["request"]) == set(load_event("define_auth_challenge_answered")["request"])
    assert define["request"]["userAttributes"]["email"] == EMAIL
    assert define["userName"] == define["request"]["userAttributes"]["sub"]  # email is an alias
    assert verify["request"]["privateChallengeParameters"] == {"answer": "424242"}
    assert define_again["request"]["session"] == [
        {"challengeName": "CUSTOM_CHALLENGE", "challengeResult": True, "challengeMetadata": "ROUND"}]


def test_initiate_auth_client_metadata_reaches_no_challenge_trigger(
        idp: Any, pool: tuple[str, str], script: Script) -> None:
    # [INITIATE]: ClientMetadata goes to Pre sign-up, Pre authentication and
    # User migration only; Define and Create run without it.
    pool_id, client_id = pool
    idp.initiate_auth(ClientId=client_id, AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": EMAIL},
                      ClientMetadata={"sneaky": "1"})
    idp.admin_initiate_auth(UserPoolId=pool_id, ClientId=client_id, AuthFlow="CUSTOM_AUTH",
                            AuthParameters={"USERNAME": EMAIL}, ClientMetadata={"sneaky": "1"})
    assert len(script.events) == 4
    assert all("clientMetadata" not in e["request"] for e in script.events)


def test_respond_client_metadata_reaches_define_create_and_verify(
        idp: Any, idp_pool_retry: tuple[str, str], script: Script) -> None:
    # [RESPOND]: ClientMetadata goes to Define, Create and Verify.
    _, client_id = idp_pool_retry
    started = idp.initiate_auth(ClientId=client_id, AuthFlow="CUSTOM_AUTH",
                                AuthParameters={"USERNAME": EMAIL})
    script.events.clear()
    answer(idp, client_id, started, "wrong", ClientMetadata={"method": "code"})
    assert script.sources() == ["VerifyAuthChallengeResponse_Authentication",
                                "DefineAuthChallenge_Authentication", "CreateAuthChallenge_Authentication"]
    assert all(e["request"]["clientMetadata"] == {"method": "code"} for e in script.events)


def test_admin_flow_issues_moto_tokens_that_verify_against_moto_jwks(
        idp: Any, pool: tuple[str, str], stack: Any) -> None:
    pool_id, client_id = pool
    started = idp.admin_initiate_auth(UserPoolId=pool_id, ClientId=client_id, AuthFlow="CUSTOM_AUTH",
                                      AuthParameters={"USERNAME": EMAIL})
    assert started["ChallengeName"] == "CUSTOM_CHALLENGE"
    assert started["ChallengeParameters"]["hint"] == "six"
    done = idp.admin_respond_to_auth_challenge(
        UserPoolId=pool_id, ClientId=client_id, ChallengeName="CUSTOM_CHALLENGE",
        Session=started["Session"], ChallengeResponses={
            "USERNAME": started["ChallengeParameters"]["USERNAME"], "ANSWER": "424242"})
    result = done["AuthenticationResult"]
    key = jwt.PyJWKClient(f"{stack.endpoint}/{pool_id}/.well-known/jwks.json").get_signing_key_from_jwt(
        result["IdToken"])
    claims = jwt.decode(result["IdToken"], key.key, algorithms=["RS256"], audience=client_id)
    assert claims["email"] == EMAIL and claims["token_use"] == "id"
    assert result["RefreshToken"]


def test_each_session_works_once_and_each_step_returns_a_new_one(
        idp: Any, idp_pool_retry: tuple[str, str]) -> None:
    # [RESPOND]: the session from each response is the one to send next.
    _, client_id = idp_pool_retry
    started = idp.initiate_auth(ClientId=client_id, AuthFlow="CUSTOM_AUTH",
                                AuthParameters={"USERNAME": EMAIL})
    retried = answer(idp, client_id, started, "wrong")
    assert retried["ChallengeName"] == "CUSTOM_CHALLENGE"
    assert retried["Session"] != started["Session"]
    code, message = error_of(lambda: answer(idp, client_id, started, "424242"))
    assert (code, message) == ("NotAuthorizedException", "Invalid session for the user.")
    assert "AuthenticationResult" in answer(idp, client_id, retried, "424242")


def test_session_expires_after_auth_session_validity(
        idp: Any, pool: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    # [CLIENT] AuthSessionValidity: minutes a session token lives (3 here).
    _, client_id = pool
    started = idp.initiate_auth(ClientId=client_id, AuthFlow="CUSTOM_AUTH",
                                AuthParameters={"USERNAME": EMAIL})
    now = custom_auth.clock()
    monkeypatch.setattr(custom_auth, "clock", lambda: now + 3 * 60 + 1)
    code, message = error_of(lambda: answer(idp, client_id, started, "424242"))
    assert code == "NotAuthorizedException" and "expired" in message


def test_client_without_allow_custom_auth_is_refused(idp: Any, script: Script) -> None:
    _, client_id = make_pool(idp, ExplicitAuthFlows=["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"])
    code, _ = error_of(lambda: idp.initiate_auth(ClientId=client_id, AuthFlow="CUSTOM_AUTH",
                                                 AuthParameters={"USERNAME": EMAIL}))
    assert code == "InvalidParameterException"
    assert script.events == []


def test_unknown_user_runs_triggers_with_user_not_found_and_ends_not_authorized(
        idp: Any, pool: tuple[str, str], script: Script) -> None:
    # [ERRORS] + [DEFINE] userNotFound: even a trigger that says "issue tokens"
    # cannot sign in a user that does not exist.
    _, client_id = pool
    started = idp.initiate_auth(ClientId=client_id, AuthFlow="CUSTOM_AUTH",
                                AuthParameters={"USERNAME": "nobody@example.com"})
    assert started["ChallengeName"] == "CUSTOM_CHALLENGE"
    code, message = error_of(lambda: answer(idp, client_id, started, "424242"))
    assert (code, message) == ("NotAuthorizedException", custom_auth.INCORRECT)
    assert all(e["request"]["userNotFound"] is True for e in script.events)
    assert all(e["request"]["userAttributes"] == {} for e in script.events)


def test_unknown_user_without_prevent_user_existence_errors_is_user_not_found(
        idp: Any, script: Script) -> None:
    _, client_id = make_pool(idp, PreventUserExistenceErrors="LEGACY")
    code, _ = error_of(lambda: idp.initiate_auth(ClientId=client_id, AuthFlow="CUSTOM_AUTH",
                                                 AuthParameters={"USERNAME": "nobody@example.com"}))
    assert code == "UserNotFoundException"


def test_fail_authentication_is_not_authorized(idp: Any, script: Script) -> None:
    script.fail_define = True
    _, client_id = make_pool(idp)
    code, message = error_of(lambda: idp.initiate_auth(
        ClientId=client_id, AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": EMAIL}))
    assert (code, message) == ("NotAuthorizedException", "Incorrect username or password.")


@pytest.mark.parametrize("where", ["define", "create", "verify"])
def test_a_trigger_that_raises_is_user_lambda_validation_exception(
        idp: Any, pool: tuple[str, str], script: Script, where: str) -> None:
    _, client_id = pool
    script.raise_in = where

    def run() -> Any:
        started = idp.initiate_auth(ClientId=client_id, AuthFlow="CUSTOM_AUTH",
                                    AuthParameters={"USERNAME": EMAIL})
        return answer(idp, client_id, started, "424242")

    code, message = error_of(run)
    assert code == "UserLambdaValidationException"
    assert "failed with error boom" in message
