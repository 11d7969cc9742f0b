"""devstack.users: status at the end of custom auth, case-insensitive names,
the client secret and sign-out by alias. Doc references are in devstack/users.py."""

from __future__ import annotations

from typing import Any

import pytest

from devstack.users import secret_hash
from tests.devstack.conftest import EMAIL, Script, answer, make_pool
from tests.devstack.test_custom_auth import error_of


def start(idp: Any, client_id: str, username: str = EMAIL, **parameters: str) -> Any:
    return idp.initiate_auth(ClientId=client_id, AuthFlow="CUSTOM_AUTH",
                             AuthParameters={"USERNAME": username, **parameters})


def signed_in(idp: Any, client_id: str) -> dict[str, Any]:
    return dict(answer(idp, client_id, start(idp, client_id), "424242")["AuthenticationResult"])


def test_force_change_password_user_gets_new_password_required_after_the_challenge(
        idp: Any, script: Script) -> None:
    # [STATUS]: an administrator-created user passes the custom challenge, then must set a password.
    pool_id, client_id = make_pool(idp)
    idp.admin_create_user(UserPoolId=pool_id, Username="new@example.com", MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": "new@example.com"},
                                          {"Name": "email_verified", "Value": "true"}])
    started = start(idp, client_id, "new@example.com")
    reply = answer(idp, client_id, started, "424242")
    assert reply["ChallengeName"] == "NEW_PASSWORD_REQUIRED" and "AuthenticationResult" not in reply
    username = reply["ChallengeParameters"]["USER_ID_FOR_SRP"]
    done = idp.respond_to_auth_challenge(
        ClientId=client_id, ChallengeName="NEW_PASSWORD_REQUIRED", Session=reply["Session"],
        ChallengeResponses={"USERNAME": username, "NEW_PASSWORD": "An0ther-Passw0rd!"})
    assert done["AuthenticationResult"]["AccessToken"]
    assert idp.admin_get_user(UserPoolId=pool_id, Username="new@example.com")["UserStatus"] == "CONFIRMED"


def test_reset_required_and_expired_temporary_password_stop_the_flow_at_initiate(idp: Any, script: Script) -> None:
    # [RESET] [TEMPPW]
    from datetime import timedelta

    from moto.cognitoidp.models import cognitoidp_backends

    from devstack.bootstrap import ACCOUNT_ID

    pool_id, client_id = make_pool(idp)
    signed_in(idp, client_id)
    idp.admin_reset_user_password(UserPoolId=pool_id, Username=EMAIL)
    assert error_of(lambda: start(idp, client_id))[0] == "PasswordResetRequiredException"
    idp.admin_create_user(UserPoolId=pool_id, Username="old@example.com", MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": "old@example.com"}])
    assert start(idp, client_id, "old@example.com")["ChallengeName"] == "CUSTOM_CHALLENGE"  # within 7 days
    user = cognitoidp_backends[ACCOUNT_ID][pool_id.split("_")[0]].user_pools[pool_id]._get_user("old@example.com")
    user.create_date -= timedelta(days=8)
    assert error_of(lambda: start(idp, client_id, "old@example.com")) == (
        "NotAuthorizedException", "Temporary password has expired and must be reset by an administrator.")


def test_unconfirmed_user_is_refused_after_the_challenge(idp: Any, script: Script) -> None:
    _, client_id = make_pool(idp)
    idp.sign_up(ClientId=client_id, Username="late@example.com", Password="Unused-Passw0rd!")
    started = start(idp, client_id, "late@example.com")
    code, _ = error_of(lambda: answer(idp, client_id, started, "424242"))
    assert code == "UserNotConfirmedException"


def test_disabled_user_is_refused_at_initiate_and_at_refresh(idp: Any, script: Script) -> None:
    pool_id, client_id = make_pool(idp)
    tokens = signed_in(idp, client_id)
    idp.admin_disable_user(UserPoolId=pool_id, Username=EMAIL)
    assert error_of(lambda: start(idp, client_id)) == ("NotAuthorizedException", "User is disabled.")
    for call in (idp.initiate_auth, lambda **kw: idp.admin_initiate_auth(UserPoolId=pool_id, **kw)):
        assert error_of(lambda c=call: c(ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={
            "REFRESH_TOKEN": tokens["RefreshToken"]})) == ("NotAuthorizedException", "User is disabled.")
    idp.admin_enable_user(UserPoolId=pool_id, Username=EMAIL)
    assert idp.initiate_auth(ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH",
                             AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]})["AuthenticationResult"]


def test_event_user_status_is_the_plain_string(idp: Any, pool: tuple[str, str], script: Script) -> None:
    start(idp, pool[1])
    assert script.events[0]["request"]["userAttributes"]["cognito:user_status"] == "CONFIRMED"


@pytest.mark.parametrize("case_sensitive", [False, True])
def test_usernames_follow_the_pools_case_setting(idp: Any, script: Script, case_sensitive: bool) -> None:
    # [CASE]
    pool_id, client_id = make_pool(idp, pool={"UsernameConfiguration": {"CaseSensitive": case_sensitive}})
    shouting = EMAIL.upper()
    start(idp, client_id, shouting)
    assert script.events[0]["request"]["userNotFound"] is case_sensitive
    if case_sensitive:
        assert error_of(lambda: idp.admin_get_user(UserPoolId=pool_id, Username=shouting))[0] == \
            "UserNotFoundException"
        return
    assert idp.admin_get_user(UserPoolId=pool_id, Username=shouting)["UserAttributes"]
    assert error_of(lambda: idp.admin_create_user(UserPoolId=pool_id, Username=shouting,
                                                  MessageAction="SUPPRESS"))[0] == "UsernameExistsException"


def test_a_client_with_a_secret_needs_the_secret_hash_on_every_auth_call(idp: Any, script: Script) -> None:
    # [SECRET]
    pool_id, client_id = make_pool(idp, GenerateSecret=True)
    secret = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)["UserPoolClient"]["ClientSecret"]
    assert error_of(lambda: start(idp, client_id)) == (
        "NotAuthorizedException", f"Client {client_id} is configured for secret but secret was not received")
    assert error_of(lambda: start(idp, client_id, SECRET_HASH=secret_hash("wrong", EMAIL, client_id))) == (
        "NotAuthorizedException", f"Unable to verify secret hash for client {client_id}")
    assert script.events == []  # refused before any trigger ran
    started = start(idp, client_id, SECRET_HASH=secret_hash(secret, EMAIL, client_id))
    username = started["ChallengeParameters"]["USERNAME"]
    assert error_of(lambda: answer(idp, client_id, started, "424242"))[0] == "NotAuthorizedException"
    started = start(idp, client_id, SECRET_HASH=secret_hash(secret, EMAIL, client_id))
    tokens = answer(idp, client_id, started, "424242", ChallengeResponses={
        "USERNAME": username, "ANSWER": "424242", "SECRET_HASH": secret_hash(secret, username, client_id)})
    refresh = tokens["AuthenticationResult"]["RefreshToken"]

    def refresh_with(name: str) -> Any:
        return idp.admin_initiate_auth(UserPoolId=pool_id, ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH",
                                       AuthParameters={"REFRESH_TOKEN": refresh,
                                                       "SECRET_HASH": secret_hash(secret, name, client_id)})

    # A refresh hashes Cognito's own username (the sub here), not the address.
    assert error_of(lambda: refresh_with(EMAIL))[0] == "NotAuthorizedException"
    assert refresh_with(username)["AuthenticationResult"]["AccessToken"]


def test_admin_global_sign_out_accepts_the_email_alias(idp: Any, script: Script) -> None:
    # [ALIAS]
    pool_id, client_id = make_pool(idp)
    tokens = signed_in(idp, client_id)
    idp.admin_user_global_sign_out(UserPoolId=pool_id, Username=EMAIL)
    assert error_of(lambda: idp.initiate_auth(ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={
        "REFRESH_TOKEN": tokens["RefreshToken"]}))[0] == "NotAuthorizedException"
