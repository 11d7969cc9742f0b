"""Cognito CUSTOM_AUTH for moto, run the way Cognito runs it.

moto 5.2.5 accepts ``CUSTOM_AUTH`` but never calls a trigger, so this module
patches moto's Cognito request handlers to run the Define / Create / Verify
challenge loop in-process, calling the Python handlers registered for the
pool's ``LambdaConfig`` ARNs. Each behaviour cites the AWS page it follows:

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

import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from moto.cognitoidp.exceptions import (
    InvalidParameterException,
    NotAuthorizedError,
    UserNotFoundError,
)
from moto.cognitoidp.models import (
    CognitoIdpBackend,
    CognitoIdpUser,
    CognitoIdpUserPool,
    CognitoIdpUserPoolClient,
    flatten_attrs,
)
from moto.core.exceptions import JsonRESTError

LambdaHandler = Callable[[dict[str, Any], Any], Any]

INCORRECT = "Incorrect username or password."
_CUSTOM_FLOWS = {"ALLOW_CUSTOM_AUTH", "CUSTOM_AUTH_FLOW_ONLY"}
# [CLIENT] ExplicitAuthFlows: "If you don't specify a value ... your user client
# supports ALLOW_REFRESH_TOKEN_AUTH, ALLOW_USER_SRP_AUTH, and ALLOW_CUSTOM_AUTH."
_DEFAULT_FLOWS = ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH"]

_lambdas: dict[str, LambdaHandler] = {}
# Tests move this clock forward to expire sessions without sleeping.
clock: Callable[[], float] = time.time


class UserLambdaValidationException(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("UserLambdaValidationException", message)


class InvalidLambdaResponseException(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("InvalidLambdaResponseException", message)


def register_lambda(arn: str, handler: LambdaHandler) -> None:
    """Make ``handler`` the code behind the Lambda function ``arn``."""
    _lambdas[arn] = handler


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


@dataclass
class _Context:
    """The parts of a Lambda context object that handlers read."""

    invoked_function_arn: str
    function_name: str = ""
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 128
    aws_request_id: str = field(default_factory=lambda: secrets.token_hex(16))
    log_group_name: str = ""
    log_stream_name: str = ""

    def __post_init__(self) -> None:
        self.function_name = self.invoked_function_arn.rsplit(":", 1)[-1]
        self.log_group_name = f"/aws/lambda/{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return 5000


def _sessions(backend: CognitoIdpBackend) -> dict[str, Flow]:
    store: dict[str, Flow] | None = getattr(backend, "custom_auth_sessions", None)
    if store is None:
        store = {}
        backend.custom_auth_sessions = store  # type: ignore[attr-defined]
    return store


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
    user = pool._get_user(username)
    flow = Flow(pool=pool, client=client, username=username, user=user)
    if user is None and not flow.prevents_existence_errors:
        raise UserNotFoundError("User does not exist.")  # [ERRORS] LEGACY mode
    if user is not None and not user.enabled:
        raise NotAuthorizedError("User is disabled.")
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
    answer = responses.get("ANSWER")
    if answer is None:
        raise InvalidParameterException("Missing required parameter ANSWER")
    # [RESPOND] ClientMetadata from this call reaches Define, Create and Verify.
    verify = _invoke(flow, "VerifyAuthChallengeResponse", "Authentication", {
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
    define = _invoke(flow, "DefineAuthChallenge", "Authentication",
                     {"session": flow.history}, client_metadata)["response"]
    if define.get("failAuthentication"):
        raise NotAuthorizedError(INCORRECT)
    if define.get("issueTokens"):
        # [ERRORS] With PreventUserExistenceErrors an unknown user always ends
        # in the same NotAuthorizedException a wrong answer gives.
        if flow.user is None:
            raise NotAuthorizedError(INCORRECT)
        return dict(backend._log_user_in(flow.pool, flow.client, flow.user.username))
    if define.get("challengeName") != "CUSTOM_CHALLENGE":
        raise InvalidLambdaResponseException("Unrecognizable lambda output")
    create = _invoke(flow, "CreateAuthChallenge", "Authentication", {
        "challengeName": "CUSTOM_CHALLENGE",
        "session": flow.history,
    }, client_metadata)["response"]
    flow.private = dict(create.get("privateChallengeParameters") or {})
    flow.metadata = create.get("challengeMetadata")
    public = dict(create.get("publicChallengeParameters") or {})
    public["USERNAME"] = _event_username(flow)
    return {
        "ChallengeName": "CUSTOM_CHALLENGE",
        "Session": _new_session(backend, flow),
        "ChallengeParameters": public,
    }


_EMPTY_RESPONSES: dict[str, dict[str, Any]] = {
    "DefineAuthChallenge": {"challengeName": None, "issueTokens": None,
                            "failAuthentication": None},
    "CreateAuthChallenge": {"publicChallengeParameters": None,
                            "privateChallengeParameters": None,
                            "challengeMetadata": None},
    "VerifyAuthChallengeResponse": {"answerCorrect": None},
}


def build_event(
    flow: Flow, trigger: str, source: str, request: dict[str, Any],
    client_metadata: dict[str, str] | None,
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
        "triggerSource": f"{trigger}_{source}",
        "region": flow.pool.region,
        "userPoolId": flow.pool.id,
        "userName": _event_username(flow),
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown",
                          "clientId": flow.client.id},
        "request": body,
        "response": dict(_EMPTY_RESPONSES[trigger]),
    }


def _invoke(
    flow: Flow, trigger: str, source: str, request: dict[str, Any],
    client_metadata: dict[str, str] | None,
) -> dict[str, Any]:
    arn = (flow.pool.extended_config.get("LambdaConfig") or {}).get(trigger)
    if not arn:
        raise InvalidParameterException(
            "Custom auth lambda trigger is not configured for the user pool.")
    handler = _lambdas.get(arn)
    if handler is None:
        raise UserLambdaValidationException(f"{trigger} failed with error Function not found: {arn}.")
    # A JSON round trip gives the handler a fresh copy, as a Lambda invoke does.
    event = json.loads(json.dumps(build_event(flow, trigger, source, request, client_metadata)))
    try:
        result = handler(event, _Context(arn))
    except Exception as exc:
        # [ERRORS] A trigger that fails surfaces as UserLambdaValidationException.
        raise UserLambdaValidationException(f"{trigger} failed with error {exc}.") from exc
    if not isinstance(result, dict) or not isinstance(result.get("response"), dict):
        raise InvalidLambdaResponseException("Unrecognizable lambda output")
    return result


def _user_attributes(user: CognitoIdpUser | None) -> dict[str, str]:
    if user is None:
        return {}
    attributes: dict[str, str] = dict(flatten_attrs(user.attributes))
    attributes["cognito:user_status"] = str(user.status)
    return attributes


def _event_username(flow: Flow) -> str:
    return flow.user.username if flow.user is not None else flow.username


def _new_session(backend: CognitoIdpBackend, flow: Flow) -> str:
    """[RESPOND] Every step returns a new session, valid AuthSessionValidity minutes."""
    minutes = int(flow.client.extended_config.get("AuthSessionValidity") or 3)
    flow.expires_at = clock() + minutes * 60
    store = _sessions(backend)
    now = clock()
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
