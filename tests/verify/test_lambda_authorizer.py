"""Lambda authorizers on API Gateway's own event shapes (tests/events/authorizer_*.json),
their answers compared with what Powertools' authorizer response classes build."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes.api_gateway_authorizer_event import (
    APIGatewayAuthorizerEventV2,
    APIGatewayAuthorizerRequestEvent,
    APIGatewayAuthorizerResponse,
    APIGatewayAuthorizerResponseV2,
    APIGatewayAuthorizerTokenEvent,
)

from sesame_verify import CognitoJwtVerifier
from sesame_verify.lambda_authorizer import (
    Unauthorized,
    http_authorizer,
    rest_request_authorizer,
    rest_token_authorizer,
)
from tests.conftest import load_event
from tests.verify.conftest import CLIENT, POOL, Issuer, jwk_of


def event(name: str, token: str) -> dict[str, Any]:
    return dict(json.loads(json.dumps(load_event(name)).replace("{token}", token)))


@pytest.fixture
def verifier(issuer: Issuer) -> CognitoJwtVerifier:
    return CognitoJwtVerifier(POOL, CLIENT, "access", jwks={"keys": [jwk_of(issuer.key, "key-1")]})


def expected_policy(method_arn: str, context: dict[str, str]) -> dict[str, Any]:
    arn = APIGatewayAuthorizerTokenEvent({"methodArn": method_arn}).parsed_arn
    response = APIGatewayAuthorizerResponse("user-sub-1", arn.region, arn.aws_account_id, arn.api_id, arn.stage,
                                            context=context)
    response.allow_all_routes()
    return response.asdict()


CONTEXT = {"sub": "user-sub-1", "token_use": "access", "client_id": CLIENT, "origin_jti": "origin-1"}


def test_rest_token_authorizer_allows_a_bearer_token_for_the_whole_stage(verifier: CognitoJwtVerifier,
                                                                          issuer: Issuer) -> None:
    raw = event("authorizer_rest_token", issuer.token())
    assert APIGatewayAuthorizerTokenEvent(raw).authorization_token.startswith("Bearer ")
    assert rest_token_authorizer(verifier)(raw, None) == expected_policy(raw["methodArn"], CONTEXT)


def test_rest_token_authorizer_reads_a_cookie_header_as_its_token_source(verifier: CognitoJwtVerifier,
                                                                          issuer: Issuer) -> None:
    raw = event("authorizer_rest_token", issuer.token())
    raw["authorizationToken"] = f"theme=dark; __Host-sesame-access={issuer.token()}"
    assert rest_token_authorizer(verifier)(raw, None)["principalId"] == "user-sub-1"


@pytest.mark.parametrize("value", ["Bearer", "Bearer not.a.token", "Basic dXNlcjpwYXNz", "", None])
def test_rest_token_authorizer_answers_401_for_anything_else(verifier: CognitoJwtVerifier, value: Any) -> None:
    raw = event("authorizer_rest_token", "x")
    raw["authorizationToken"] = value
    with pytest.raises(Unauthorized) as caught:
        rest_token_authorizer(verifier)(raw, None)
    assert str(caught.value) == "Unauthorized"  # the exact message API Gateway maps to 401


def test_rest_token_authorizer_refuses_a_forged_token(verifier: CognitoJwtVerifier, issuer: Issuer,
                                                       other_key: Any) -> None:
    with pytest.raises(Unauthorized):
        rest_token_authorizer(verifier)(event("authorizer_rest_token", issuer.token(key=other_key)), None)


def test_rest_request_authorizer_reads_the_cookie(verifier: CognitoJwtVerifier, issuer: Issuer) -> None:
    raw = event("authorizer_rest_request", issuer.token(scope="orders/read"))
    assert APIGatewayAuthorizerRequestEvent(raw).get_header_value("cookie")
    answer = rest_request_authorizer(verifier)(raw, None)
    assert answer == expected_policy(raw["methodArn"], {**CONTEXT, "scope": "orders/read"})


def test_rest_request_authorizer_prefers_the_bearer_header(verifier: CognitoJwtVerifier, issuer: Issuer,
                                                           other_key: Any) -> None:
    raw = event("authorizer_rest_request", issuer.token(key=other_key))
    with pytest.raises(Unauthorized):
        rest_request_authorizer(verifier)(raw, None)
    raw["headers"]["Authorization"] = f"Bearer {issuer.token()}"
    assert rest_request_authorizer(verifier)(raw, None)["principalId"] == "user-sub-1"


def test_rest_request_authorizer_without_headers_is_401(verifier: CognitoJwtVerifier) -> None:
    raw = event("authorizer_rest_request", "x")
    raw["headers"] = None
    with pytest.raises(Unauthorized):
        rest_request_authorizer(verifier)(raw, None)


def test_http_authorizer_reads_the_cookies_list(verifier: CognitoJwtVerifier, issuer: Issuer) -> None:
    raw = event("authorizer_http", issuer.token())
    assert APIGatewayAuthorizerEventV2(raw).cookies
    assert http_authorizer(verifier)(raw, None) == APIGatewayAuthorizerResponseV2(True, CONTEXT).asdict()


def test_http_authorizer_reads_a_bearer_header(verifier: CognitoJwtVerifier, issuer: Issuer) -> None:
    raw = event("authorizer_http", "x")
    del raw["cookies"]
    raw["headers"]["authorization"] = f"Bearer {issuer.token()}"
    assert http_authorizer(verifier)(raw, None)["isAuthorized"] is True


@pytest.mark.parametrize("change", ["forged", "no cookies", "expired"])
def test_http_authorizer_refuses_with_a_simple_response(verifier: CognitoJwtVerifier, issuer: Issuer,
                                                        other_key: Any, change: str) -> None:
    token = {"forged": issuer.token(key=other_key), "expired": issuer.token(exp=1_000_000)}.get(change, "x")
    raw = event("authorizer_http", token)
    if change == "no cookies":
        del raw["cookies"]
    assert http_authorizer(verifier)(raw, None) == APIGatewayAuthorizerResponseV2(False).asdict()
