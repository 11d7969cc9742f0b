"""MultiIssuerVerifier: routing by iss, several clients of one pool, no network for a stranger."""

from __future__ import annotations

from typing import Any

import pytest

from sesame_verify import (
    ClaimError,
    CognitoJwtVerifier,
    MultiIssuerVerifier,
    SignatureError,
    verify_request,
)
from tests.verify.conftest import CLIENT, ISSUER, POOL, Issuer, jwk_of

PROD_POOL = "eu-west-1_ProdPool9"
PROD_ISSUER = f"https://cognito-idp.eu-west-1.amazonaws.com/{PROD_POOL}"


class Fetches:
    """A fetcher that serves one JWKS per issuer and counts."""

    def __init__(self, keys: dict[str, Any]) -> None:
        self.keys, self.uris = keys, []  # type: list[str]

    def __call__(self, uri: str, timeout: float) -> bytes:
        import json

        self.uris.append(uri)
        issuer = uri.removesuffix("/.well-known/jwks.json")
        return json.dumps({"keys": [self.keys[issuer]]}).encode()


@pytest.fixture
def prod(other_key: Any) -> Issuer:
    return Issuer(other_key, kid="prod-key")


@pytest.fixture
def fetches(issuer: Issuer, prod: Issuer) -> Fetches:
    return Fetches({ISSUER: jwk_of(issuer.key, "key-1"), PROD_ISSUER: jwk_of(prod.key, "prod-key")})


@pytest.fixture
def multi(fetches: Fetches) -> MultiIssuerVerifier:
    return MultiIssuerVerifier(CognitoJwtVerifier(POOL, CLIENT, "access", fetcher=fetches),
                               CognitoJwtVerifier(POOL, "second-client", "access", fetcher=fetches),
                               CognitoJwtVerifier(PROD_POOL, CLIENT, "access", fetcher=fetches))


def test_each_token_goes_to_its_issuer(multi: MultiIssuerVerifier, issuer: Issuer, prod: Issuer) -> None:
    assert multi.verify(issuer.token())["iss"] == ISSUER
    assert multi.verify(prod.token(iss=PROD_ISSUER))["iss"] == PROD_ISSUER


def test_a_token_signed_by_another_pool_is_refused(multi: MultiIssuerVerifier, issuer: Issuer,
                                                   prod: Issuer) -> None:
    # Prod's key, dev's issuer: routed to dev, whose JWKS has no such kid.
    with pytest.raises(Exception) as caught:
        multi.verify(prod.token())
    assert caught.value.reason == "unknown_key"
    with pytest.raises(SignatureError):
        multi.verify(issuer.token(key=prod.key))


def test_another_client_of_the_same_pool_passes_through_its_own_verifier(multi: MultiIssuerVerifier,
                                                                         issuer: Issuer) -> None:
    assert multi.verify(issuer.token(client_id="second-client"))["client_id"] == "second-client"
    with pytest.raises(ClaimError, match="client_id"):
        multi.verify(issuer.token(client_id="third-client"))


@pytest.mark.parametrize("iss", ["https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Stranger", 7, None])
def test_an_unknown_issuer_is_refused_without_any_fetch(multi: MultiIssuerVerifier, fetches: Fetches,
                                                        issuer: Issuer, iss: Any) -> None:
    with pytest.raises(ClaimError, match="iss"):
        multi.verify(issuer.raw({"alg": "RS256", "kid": "key-1"}, issuer.claims(iss=iss)))
    assert fetches.uris == []


def test_hydrate_and_cache_jwks(multi: MultiIssuerVerifier, fetches: Fetches, issuer: Issuer, prod: Issuer) -> None:
    multi.hydrate()
    assert sorted(set(fetches.uris)) == sorted(f"{i}/.well-known/jwks.json" for i in (ISSUER, PROD_ISSUER))
    offline = MultiIssuerVerifier(CognitoJwtVerifier(PROD_POOL, CLIENT, "access", fetcher=fetches))
    offline.cache_jwks({"keys": [jwk_of(prod.key, "prod-key")]})
    count = len(fetches.uris)
    assert offline.verify(prod.token(iss=PROD_ISSUER))["sub"] == "user-sub-1"
    assert len(fetches.uris) == count
    with pytest.raises(ValueError):
        multi.cache_jwks({"keys": []})  # two issuers: say which


def test_verify_request_takes_a_multi_verifier(multi: MultiIssuerVerifier, issuer: Issuer) -> None:
    cookie = f"__Host-sesame-access={issuer.token()}"
    assert verify_request({"Cookie": cookie}, multi)["sub"] == "user-sub-1"
    assert multi.token_use == "access"


def test_it_needs_verifiers() -> None:
    with pytest.raises(ValueError):
        MultiIssuerVerifier()
