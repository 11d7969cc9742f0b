"""CognitoJwtVerifier's groups, scopes and custom_check; stable reasons; hydrate and cache_jwks."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sesame_verify import (
    ClaimError,
    CognitoJwtVerifier,
    ExpiredTokenError,
    JwksError,
    RevokedTokenError,
    TokenError,
    verify_request,
)
from tests.verify.conftest import CLIENT, DROP, POOL, Issuer, JwksServer, jwk_of


def local(issuer: Issuer, token_use: str = "access", **options: Any) -> CognitoJwtVerifier:
    return CognitoJwtVerifier(POOL, CLIENT, token_use, jwks={"keys": [jwk_of(issuer.key, "key-1")]}, **options)


def groups_token(issuer: Issuer, groups: Any) -> str:
    return issuer.token(**{"cognito:groups": groups})


@pytest.mark.parametrize("groups", [["admin"], ["users", "ops"], ["admin", "ops"]])
def test_groups_needs_one_of_them(issuer: Issuer, groups: list[str]) -> None:
    assert local(issuer, groups=["admin", "ops"]).verify(groups_token(issuer, groups))["sub"] == "user-sub-1"


@pytest.mark.parametrize("groups", [["users"], [], DROP, "admin", [["admin"]], None])
def test_groups_refuses_a_token_in_none_of_them(issuer: Issuer, groups: Any) -> None:
    with pytest.raises(ClaimError, match="cognito:groups"):
        local(issuer, groups="admin").verify(groups_token(issuer, groups))


def test_scopes_needs_one_of_them(issuer: Issuer) -> None:
    verifier = local(issuer, scopes=["orders/write", "orders/read"])
    assert verifier.verify(issuer.token(scope="openid orders/read"))
    for scope in ("openid", "orders/readx", "", 7, DROP):
        with pytest.raises(ClaimError, match="scope"):
            verifier.verify(issuer.token(scope=scope))


@pytest.mark.parametrize("options", [{"scopes": ["a"], "token_use": "id"}, {"groups": []}, {"scopes": [""]},
                                     {"groups": [1]}])
def test_bad_options_are_refused_when_the_verifier_is_made(issuer: Issuer, options: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        local(issuer, **options)


def test_custom_check_sees_header_claims_and_jwk_after_the_built_in_checks(issuer: Issuer) -> None:
    seen: list[tuple[str, Any]] = []

    def check(header: dict[str, Any], claims: dict[str, Any], jwk: dict[str, Any]) -> None:
        seen.append(("check", (header["alg"], header["kid"], claims["sub"], jwk["kid"], jwk["kty"])))
        header["kid"], jwk["kid"] = "changed", "changed"  # copies: nothing cached changes

    def revoked(claims: Any) -> bool:
        seen.append(("revoked", claims["sub"]))
        return False

    verifier = local(issuer, custom_check=check, is_revoked=revoked)
    verifier.verify(issuer.token())
    verifier.verify(issuer.token())
    assert seen == [("check", ("RS256", "key-1", "user-sub-1", "key-1", "RSA")), ("revoked", "user-sub-1")] * 2
    seen.clear()
    with pytest.raises(ExpiredTokenError):
        verifier.verify(issuer.token(exp=1_000_000))
    assert seen == []  # a token that fails a built-in check never reaches the custom check


def test_custom_check_errors(issuer: Issuer) -> None:
    mine = RevokedTokenError("session ended")

    def raises_token_error(*_: Any) -> None:
        raise mine

    def raises_other(*_: Any) -> None:
        raise KeyError("tenant")

    with pytest.raises(RevokedTokenError) as passed:
        local(issuer, custom_check=raises_token_error).verify(issuer.token())
    assert passed.value is mine
    with pytest.raises(ClaimError) as wrapped:
        local(issuer, custom_check=raises_other).verify(issuer.token())
    assert isinstance(wrapped.value.__cause__, KeyError) and wrapped.value.reason == "claim"


def reason_of(verifier: CognitoJwtVerifier, token: str) -> str:
    with pytest.raises(TokenError) as caught:
        verify_request({"authorization": f"Bearer {token}"} if token else {}, verifier)
    return caught.value.reason


def test_every_failure_has_a_stable_reason(issuer: Issuer, other_key: Any) -> None:
    verifier = local(issuer, is_revoked=lambda claims: claims.get("jti") == "revoked")
    cases = {"malformed": "a.b", "signature": issuer.token(key=other_key), "expired": issuer.token(exp=1_000_000),
             "not_yet_valid": issuer.token(nbf=4_000_000_000), "claim": issuer.token(iss="https://evil"),
             "unknown_key": issuer.raw({"alg": "RS256", "kid": "nope"}, issuer.claims()),
             "revoked": issuer.token(jti="revoked"), "missing": ""}
    assert {reason: reason_of(verifier, token) for reason, token in cases.items()} == {r: r for r in cases}
    assert TokenError("custom").reason == "claim" and JwksError("down").reason == "unknown_key"


def test_hydrate_fetches_now_and_verifying_fetches_nothing_more(jwks_server: JwksServer, issuer: Issuer) -> None:
    verifier = CognitoJwtVerifier(POOL, CLIENT, "access", jwks_uri=jwks_server.url)
    verifier.hydrate()
    assert jwks_server.hits == 1
    verifier.verify(issuer.token())
    assert jwks_server.hits == 1


def test_hydrate_says_when_it_cannot(jwks_server: JwksServer, issuer: Issuer) -> None:
    verifier = CognitoJwtVerifier(POOL, CLIENT, "access", jwks_uri=jwks_server.url)
    jwks_server.fail = True
    with pytest.raises(JwksError):
        verifier.hydrate()
    jwks_server.fail, jwks_server.jwks = False, {"keys": []}
    with pytest.raises(JwksError, match="no usable"):
        verifier.hydrate()


def test_cache_jwks_needs_no_network(issuer: Issuer) -> None:
    calls: list[str] = []

    def fetcher(uri: str, timeout: float) -> bytes:
        calls.append(uri)
        raise OSError("no network here")

    verifier = CognitoJwtVerifier(POOL, CLIENT, "access", fetcher=fetcher)
    verifier.cache_jwks(json.loads(json.dumps({"keys": [jwk_of(issuer.key, "key-1")]})))
    assert verifier.verify(issuer.token())["sub"] == "user-sub-1"
    assert calls == []
    with pytest.raises(JwksError):
        verifier.cache_jwks({"no": "keys"})


def test_unused_options_change_nothing(issuer: Issuer) -> None:
    plain, token = local(issuer), issuer.token(**{"cognito:groups": ["x"], "scope": "y"})
    assert plain.verify(token) == local(issuer, groups=["x"], scopes=["y"]).verify(token)
