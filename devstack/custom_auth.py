"""Cognito CUSTOM_AUTH for moto: the Define / Create / Verify loop.

moto 5.2.5 accepts ``CUSTOM_AUTH`` but never calls a trigger, so this module
runs the challenge loop in-process, invoking the handlers registered for the
pool's ``LambdaConfig`` ARNs through ``devstack.lambdas`` (deadline, retries,
roles). Users and secrets follow ``devstack.users``. Each behaviour cites the
AWS page it follows:

[FLOW]     https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-authentication-flow.html
[COMMON]   https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-working-with-lambda-triggers.html
[DEFINE]   https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-define-auth-challenge.html
[CREATE]   https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-create-auth-challenge.html
[VERIFY]   https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-verify-auth-challenge-response.html
[INITIATE] https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_InitiateAuth.html
[RESPOND]  https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_RespondToAuthChallenge.html
[CLIENT]   https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateUserPoolClient.html
[ERRORS]   https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pool-managing-errors.html
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from moto.cognitoidp.exceptions import InvalidParameterException, NotAuthorizedError, UserNotFoundError
from moto.cognitoidp.models import (
    CognitoIdpBackend,
    CognitoIdpUser,
    CognitoIdpUserPool,
    CognitoIdpUserPoolClient,
    flatten_attrs,
)

from devstack import attached, lambdas, users

INCORRECT = "Incorrect username or password."
_CUSTOM_FLOWS = {"ALLOW_CUSTOM_AUTH", "CUSTOM_AUTH_FLOW_ONLY"}
# [CLIENT] ExplicitAuthFlows: "If you don't specify a value ... your user client
# supports ALLOW_REFRESH_TOKEN_AUTH, ALLOW_USER_SRP_AUTH, and ALLOW_CUSTOM_AUTH."
_DEFAULT_FLOWS = ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH"]

# Tests move this clock forward to expire sessions without sleeping.
clock: Callable[[], float] = time.time
register_lambda = lambdas.register


@dataclass
class Flow:
    """One custom-auth attempt: Cognito's state between two API calls."""

    pool: CognitoIdpUserPool
    client: CognitoIdpUserPoolClient
    username: str
    user: CognitoIdpUser | None
    history: list[dict[str, Any]] = field(default_factory=list)
    private: dict[str, str] = field(default_factory=dict)
    metadata: str | None = None
    expires_at: float = 0.0

    @property
    def prevents_existence_errors(self) -> bool:
        return bool(self.client.extended_config.get("PreventUserExistenceErrors") == "ENABLED")


def _sessions(backend: CognitoIdpBackend) -> dict[str, Flow]:
    return attached.table(backend, "custom_auth_sessions")


def require_custom_auth(client: CognitoIdpUserPoolClient) -> None:
    """[CLIENT] A client must allow CUSTOM_AUTH for the flow to start."""
    flows = client.extended_config.get("ExplicitAuthFlows") or _DEFAULT_FLOWS
    if not _CUSTOM_FLOWS & set(flows):
        raise InvalidParameterException("CUSTOM_AUTH flow not enabled for this client")


def start(
    backend: CognitoIdpBackend,
    pool: CognitoIdpUserPool,
    client: CognitoIdpUserPoolClient,
    auth_parameters: dict[str, str],
) -> dict[str, Any]:
    """(Admin)InitiateAuth with CUSTOM_AUTH."""
    require_custom_auth(client)
    username = auth_parameters.get("USERNAME")
    if not username:
        raise InvalidParameterException("Missing required parameter USERNAME")
    users.check_secret_hash(client, username, auth_parameters.get("SECRET_HASH"))
    user = pool._get_user(username)
    flow = Flow(pool=pool, client=client, username=username, user=user)
    if user is None and not flow.prevents_existence_errors:
        raise UserNotFoundError("User does not exist.")  # [ERRORS] LEGACY mode
    users.check_enabled(user)
    users.check_can_start(pool, user)
    # [INITIATE] ClientMetadata reaches only Pre sign-up, Pre authentication and
    # User migration; Define and Create run without it.
    return _next_step(backend, flow, client_metadata=None)


def respond(
    backend: CognitoIdpBackend,
    session: str,
    client_id: str,
    responses: dict[str, str],
    client_metadata: dict[str, str] | None,
    pool_id: str | None = None,
) -> dict[str, Any]:
    """(Admin)RespondToAuthChallenge with CUSTOM_CHALLENGE."""
    flow = _take_session(backend, session)
    if flow.client.id != client_id or (pool_id and flow.pool.id != pool_id):
        raise NotAuthorizedError("Invalid session for the user.")
    users.check_secret_hash(flow.client, responses.get("USERNAME"), responses.get("SECRET_HASH"))
    answer = responses.get("ANSWER")
    if answer is None:
        raise InvalidParameterException("Missing required parameter ANSWER")
    # [RESPOND] ClientMetadata from this call reaches Define, Create and Verify.
    verify = _invoke(flow, "VerifyAuthChallengeResponse", {
        "privateChallengeParameters": flow.private,
        "challengeAnswer": answer,
    }, client_metadata)
    entry: dict[str, Any] = {
        "challengeName": "CUSTOM_CHALLENGE",
        "challengeResult": verify["response"].get("answerCorrect") is True,
    }
    if flow.metadata is not None:
        entry["challengeMetadata"] = flow.metadata
    flow.history.append(entry)  # [DEFINE] session[] grows in chronological order
    return _next_step(backend, flow, client_metadata)


def _next_step(
    backend: CognitoIdpBackend, flow: Flow, client_metadata: dict[str, str] | None
) -> dict[str, Any]:
    define = _invoke(flow, "DefineAuthChallenge", {"session": flow.history}, client_metadata)["response"]
    if define.get("failAuthentication"):
        raise NotAuthorizedError(INCORRECT)
    if define.get("issueTokens"):
        return _issue(backend, flow)
    if define.get("challengeName") != "CUSTOM_CHALLENGE":
        raise lambdas.InvalidLambdaResponseException("Unrecognizable lambda output")
    create = _invoke(flow, "CreateAuthChallenge", {
        "challengeName": "CUSTOM_CHALLENGE",
        "session": flow.history,
    }, client_metadata)["response"]
    flow.private = dict(create.get("privateChallengeParameters") or {})
    flow.metadata = create.get("challengeMetadata")
    public = dict(create.get("publicChallengeParameters") or {})
    public["USERNAME"] = _event_username(flow)
    return {"ChallengeName": "CUSTOM_CHALLENGE", "Session": _new_session(backend, flow),
            "ChallengeParameters": public}


def _issue(backend: CognitoIdpBackend, flow: Flow) -> dict[str, Any]:
    # [ERRORS] With PreventUserExistenceErrors an unknown user always ends
    # in the same NotAuthorizedException a wrong answer gives.
    user = flow.pool._get_user(flow.username) if flow.user is not None else None
    if user is None:
        raise NotAuthorizedError(INCORRECT)
    # The status as it is now: a trigger may have changed it during the flow.
    challenge = users.finish_or_challenge(user)
    if challenge is None:
        return dict(backend._log_user_in(flow.pool, flow.client, user.username))
    session = secrets.token_urlsafe(96)
    backend.sessions[session] = (user.username, flow.pool)  # moto answers NEW_PASSWORD_REQUIRED itself
    return {"ChallengeName": challenge, "Session": session,
            "ChallengeParameters": users.new_password_parameters(user)}


_EMPTY_RESPONSES: dict[str, dict[str, Any]] = {
    "DefineAuthChallenge": {"challengeName": None, "issueTokens": None,
                            "failAuthentication": None},
    "CreateAuthChallenge": {"publicChallengeParameters": None,
                            "privateChallengeParameters": None,
                            "challengeMetadata": None},
    "VerifyAuthChallengeResponse": {"answerCorrect": None},
}


def build_event(
    flow: Flow, trigger: str, request: dict[str, Any], client_metadata: dict[str, str] | None,
) -> dict[str, Any]:
    """[COMMON] The common fields, then the trigger's own request/response."""
    body: dict[str, Any] = {"userAttributes": _user_attributes(flow.user), **request}
    if client_metadata:
        body["clientMetadata"] = dict(client_metadata)
    if flow.prevents_existence_errors:
        # [DEFINE]/[CREATE]/[VERIFY]: userNotFound is populated only when
        # PreventUserExistenceErrors is ENABLED on the app client.
        body["userNotFound"] = flow.user is None
    return {
        "version": "1",
        "triggerSource": f"{trigger}_Authentication",
        "region": flow.pool.region,
        "userPoolId": flow.pool.id,
        "userName": _event_username(flow),
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown",
                          "clientId": flow.client.id},
        "request": body,
        "response": dict(_EMPTY_RESPONSES[trigger]),
    }


def _invoke(flow: Flow, trigger: str, request: dict[str, Any],
            client_metadata: dict[str, str] | None) -> dict[str, Any]:
    arn = (flow.pool.extended_config.get("LambdaConfig") or {}).get(trigger)
    if not arn:
        raise InvalidParameterException("Custom auth lambda trigger is not configured for the user pool.")
    return lambdas.invoke(trigger, arn, build_event(flow, trigger, request, client_metadata))


def _user_attributes(user: CognitoIdpUser | None) -> dict[str, str]:
    if user is None:
        return {}
    attributes: dict[str, str] = {k: str(v) for k, v in flatten_attrs(user.attributes).items()}
    attributes["cognito:user_status"] = users.status(user)
    return attributes


def _event_username(flow: Flow) -> str:
    return flow.user.username if flow.user is not None else flow.username


def _new_session(backend: CognitoIdpBackend, flow: Flow) -> str:
    """[RESPOND] Every step returns a new session, valid AuthSessionValidity minutes."""
    minutes = int(flow.client.extended_config.get("AuthSessionValidity") or 3)
    now = clock()
    flow.expires_at = now + minutes * 60
    store = _sessions(backend)
    for key in [k for k, f in store.items() if f.expires_at < now]:
        del store[key]
    session = secrets.token_urlsafe(96)
    store[session] = flow
    return session


def _take_session(backend: CognitoIdpBackend, session: str) -> Flow:
    """A session string is good for one answer, and only until it expires."""
    flow = _sessions(backend).pop(session or "", None)
    if flow is None:
        raise NotAuthorizedError("Invalid session for the user.")
    if clock() > flow.expires_at:
        raise NotAuthorizedError("Invalid session for the user, session is expired.")
    return flow
