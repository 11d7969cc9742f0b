"""Fixtures for the emulator tests: scripted triggers on a pool of their own."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import pytest

from devstack import custom_auth

ARN = "arn:aws:lambda:eu-west-1:123456789012:function:emulator-test-{}"
EMAIL = "ada@example.com"


@dataclass
class Script:
    """Scripted triggers that record every event they receive."""

    events: list[dict[str, Any]] = field(default_factory=list)
    retry_wrong: bool = False
    fail_define: bool = False
    raise_in: str | None = None

    def _record(self, name: str, event: dict[str, Any]) -> None:
        self.events.append(copy.deepcopy(event))  # as received, before the handler answers
        if self.raise_in == name:
            raise RuntimeError("boom")

    def define(self, event: dict[str, Any], _: Any) -> dict[str, Any]:
        self._record("define", event)
        session, response = event["request"]["session"], event["response"]
        if self.fail_define:
            response["failAuthentication"] = True
        elif not session or (self.retry_wrong and not session[-1]["challengeResult"]):
            response["challengeName"] = "CUSTOM_CHALLENGE"
        elif session[-1]["challengeResult"]:
            response["issueTokens"] = True
        else:
            response["failAuthentication"] = True
        return event

    def create(self, event: dict[str, Any], _: Any) -> dict[str, Any]:
        self._record("create", event)
        event["response"].update(publicChallengeParameters={"hint": "six"},
                                 privateChallengeParameters={"answer": "424242"},
                                 challengeMetadata="ROUND")
        return event

    def verify(self, event: dict[str, Any], _: Any) -> dict[str, Any]:
        self._record("verify", event)
        request = event["request"]
        event["response"]["answerCorrect"] = (
            request["challengeAnswer"] == request["privateChallengeParameters"]["answer"])
        return event

    def sources(self) -> list[str]:
        return [e["triggerSource"] for e in self.events]


@pytest.fixture
def script() -> Script:
    found = Script()
    custom_auth.register_lambda(ARN.format("define"), found.define)
    custom_auth.register_lambda(ARN.format("create"), found.create)
    custom_auth.register_lambda(ARN.format("verify"), found.verify)
    return found


def make_pool(idp: Any, pool: dict[str, Any] | None = None, **client: Any) -> tuple[str, str]:
    """A pool with scripted triggers and one confirmed user; ``pool`` and
    ``client`` add CreateUserPool / CreateUserPoolClient settings."""
    pool_id = idp.create_user_pool(PoolName="emulator", UsernameAttributes=["email"], LambdaConfig={
        "DefineAuthChallenge": ARN.format("define"),
        "CreateAuthChallenge": ARN.format("create"),
        "VerifyAuthChallengeResponse": ARN.format("verify")}, **(pool or {}))["UserPool"]["Id"]
    settings = {"ExplicitAuthFlows": ["ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                "PreventUserExistenceErrors": "ENABLED", "AuthSessionValidity": 3, **client}
    client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="c", **settings)[
        "UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool_id, Username=EMAIL, MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": EMAIL},
                                          {"Name": "email_verified", "Value": "true"}])
    idp.admin_set_user_password(UserPoolId=pool_id, Username=EMAIL, Password="Unused-Passw0rd!", Permanent=True)
    return pool_id, client_id


@pytest.fixture
def pool(idp: Any, script: Script) -> tuple[str, str]:
    return make_pool(idp)


def answer(idp: Any, client_id: str, started: dict[str, Any], value: str, **extra: Any) -> Any:
    extra.setdefault("ChallengeResponses", {"USERNAME": started["ChallengeParameters"]["USERNAME"],
                                            "ANSWER": value})
    return idp.respond_to_auth_challenge(
        ClientId=client_id, ChallengeName="CUSTOM_CHALLENGE", Session=started["Session"], **extra)


@pytest.fixture
def idp_pool_retry(idp: Any, script: Script) -> tuple[str, str]:
    script.retry_wrong = True
    return make_pool(idp)
