"""The FastAPI dependency, through FastAPI's own test client."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from sesame_verify import ACCESS_COOKIE, CognitoJwtVerifier, MultiIssuerVerifier
from sesame_verify.fastapi_auth import claims_dependency
from tests.verify.conftest import CLIENT, POOL, Issuer, jwk_of


def make_client(issuer: Issuer, **options: Any) -> TestClient:
    verifier = CognitoJwtVerifier(POOL, CLIENT, "access", jwks={"keys": [jwk_of(issuer.key, "key-1")]}, **options)
    current = claims_dependency(MultiIssuerVerifier(verifier))
    app = FastAPI()

    @app.get("/me")
    def me(claims: dict[str, Any] = Depends(current)) -> dict[str, Any]:  # noqa: B008 - FastAPI's idiom
        return {"sub": claims["sub"]}

    return TestClient(app)


def test_a_cookie_or_a_bearer_token_reaches_the_route(issuer: Issuer) -> None:
    client = make_client(issuer)
    client.cookies.set(ACCESS_COOKIE, issuer.token())
    assert client.get("/me").json() == {"sub": "user-sub-1"}
    client.cookies.clear()
    bearer = client.get("/me", headers={"Authorization": f"Bearer {issuer.token()}"})
    assert bearer.status_code == 200 and bearer.json() == {"sub": "user-sub-1"}


def test_every_refusal_is_the_same_401(issuer: Issuer, other_key: Any) -> None:
    client = make_client(issuer, groups=["admin"])
    answers = [client.get("/me"),
               client.get("/me", headers={"Authorization": f"Bearer {issuer.token(key=other_key)}"}),
               client.get("/me", headers={"Authorization": f"Bearer {issuer.token()}"})]  # not in "admin"
    for answer in answers:
        assert answer.status_code == 401
        assert answer.json() == {"detail": {"code": "unauthenticated", "message": "Sign in to continue."}}
        assert answer.headers["www-authenticate"] == "Bearer"
    admin = client.get("/me", headers={"Authorization": f"Bearer {issuer.token(**{'cognito:groups': ['admin']})}"})
    assert admin.status_code == 200
