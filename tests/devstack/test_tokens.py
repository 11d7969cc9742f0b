"""devstack.tokens: tokens shaped as Cognito issues them. Doc references
are in devstack/tokens.py."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
import requests

from tests.devstack.conftest import answer, make_pool
from tests.devstack.test_custom_auth import error_of


@pytest.fixture
def client_id(idp: Any, script: Any) -> str:
    return make_pool(idp)[1]


def sign_in(idp: Any, client_id: str) -> dict[str, Any]:
    started = idp.initiate_auth(ClientId=client_id, AuthFlow="CUSTOM_AUTH",
                                AuthParameters={"USERNAME": "ada@example.com"})
    return dict(answer(idp, client_id, started, "424242")["AuthenticationResult"])


def refresh(idp: Any, client_id: str, token: str) -> dict[str, Any]:
    return dict(idp.initiate_auth(ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH",
                                  AuthParameters={"REFRESH_TOKEN": token})["AuthenticationResult"])


def claims(token: str) -> dict[str, Any]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


def test_access_and_id_tokens_use_different_keys_both_in_the_jwks(idp: Any, client_id: str, stack: Any) -> None:
    # [VERIFY]
    result = sign_in(idp, client_id)
    access_kid = jwt.get_unverified_header(result["AccessToken"])["kid"]
    id_kid = jwt.get_unverified_header(result["IdToken"])["kid"]
    assert access_kid != id_kid
    pool_id = claims(result["IdToken"])["iss"].rsplit("/", 1)[1]
    jwks = requests.get(f"{stack.endpoint}/{pool_id}/.well-known/jwks.json", timeout=5).json()
    keys = {k["kid"]: jwt.PyJWK(k) for k in jwks["keys"]}
    assert {access_kid, id_kid} <= set(keys) and all("d" not in k for k in jwks["keys"])
    jwt.decode(result["AccessToken"], keys[access_kid].key, algorithms=["RS256"])
    jwt.decode(result["IdToken"], keys[id_kid].key, algorithms=["RS256"], audience=client_id)
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(result["AccessToken"], keys[id_kid].key, algorithms=["RS256"])


def test_event_id_and_auth_time_survive_a_refresh(idp: Any, client_id: str) -> None:
    # [ACCESS]
    result = sign_in(idp, client_id)
    time.sleep(1.1)  # so a refresh that re-stamped auth_time would show
    renewed = refresh(idp, client_id, result["RefreshToken"])
    first, again = claims(result["AccessToken"]), claims(renewed["AccessToken"])
    assert first["event_id"] and claims(result["IdToken"])["event_id"] == first["event_id"]
    assert again["event_id"] == first["event_id"] and claims(renewed["IdToken"])["event_id"] == first["event_id"]
    assert again["auth_time"] == first["auth_time"] < again["iat"]


def test_refresh_tokens_are_opaque_and_cognito_sized(idp: Any, client_id: str) -> None:
    # [REFRESH] an encrypted blob, about 1.7 KB: cookie sizes are tested for real
    token = sign_in(idp, client_id)["RefreshToken"]
    assert 1500 < len(token) < 2000 and token.count(".") == 4
    with pytest.raises(jwt.DecodeError):
        jwt.decode(token, options={"verify_signature": False})


def test_a_refresh_token_works_only_with_its_client(idp: Any, client_id: str) -> None:
    result = sign_in(idp, client_id)
    pool_id = claims(result["IdToken"])["iss"].rsplit("/", 1)[1]
    other = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="other",
                                        ExplicitAuthFlows=["ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]
    assert error_of(lambda: refresh(idp, other, result["RefreshToken"]))[0] == "NotAuthorizedException"
    assert error_of(lambda: refresh(idp, client_id, "not-a-token"))[0] == "NotAuthorizedException"
    assert refresh(idp, client_id, result["RefreshToken"])["AccessToken"]



def _held(pool_id: str) -> tuple[int, int, int]:
    from moto.cognitoidp.models import cognitoidp_backends

    pool = cognitoidp_backends["123456789012"]["eu-west-1"].user_pools[pool_id]
    return len(pool.access_tokens), len(pool.id_tokens), len(pool.refresh_tokens)


def test_what_cognito_no_longer_honours_is_not_kept(idp: Any, script: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """[EXPIRY] moto keeps every token it ever issued: a `make dev` that runs for days grew without end.
    Expired access and ID tokens, and refresh tokens past their validity, are dropped (at most once a
    minute, when tokens are issued); what is still valid keeps working."""
    from devstack import tokens

    pool_id, client_id = make_pool(idp, RefreshTokenValidity=1, TokenValidityUnits={"RefreshToken": "days"})
    first = sign_in(idp, client_id)
    assert _held(pool_id) == (1, 1, 1)
    now = time.time()
    monkeypatch.setattr(tokens, "_now", lambda: now + 2 * 3600)  # the first sign-in's access token expired
    second = sign_in(idp, client_id)
    assert _held(pool_id) == (1, 1, 2)  # the expired pair is gone; both refresh tokens are valid
    assert refresh(idp, client_id, first["RefreshToken"])["AccessToken"]
    monkeypatch.setattr(tokens, "_now", lambda: now + 25 * 3600)  # the first refresh token expired too
    sign_in(idp, client_id)
    assert _held(pool_id)[2] == 2  # the second's and the third's
    with pytest.raises(idp.exceptions.NotAuthorizedException):
        refresh(idp, client_id, first["RefreshToken"])
    assert refresh(idp, client_id, second["RefreshToken"])["AccessToken"]
