"""The Flask decorator, through Flask's own test client (werkzeug's headers)."""

from __future__ import annotations

from typing import Any

from flask import Flask

from sesame_verify import ACCESS_COOKIE, CognitoJwtVerifier
from sesame_verify.flask_auth import current_claims, login_required
from tests.verify.conftest import CLIENT, POOL, Issuer, jwk_of


def make_app(issuer: Issuer) -> Flask:
    verifier = CognitoJwtVerifier(POOL, CLIENT, "access", jwks={"keys": [jwk_of(issuer.key, "key-1")]},
                                  scopes=["orders/read"])
    app = Flask("service")

    @app.get("/orders")
    @login_required(verifier)
    def orders() -> dict[str, Any]:
        return {"sub": current_claims()["sub"]}

    return app


def test_a_cookie_or_a_bearer_token_reaches_the_view(issuer: Issuer) -> None:
    client = make_app(issuer).test_client()
    token = issuer.token(scope="openid orders/read")
    client.set_cookie(ACCESS_COOKIE, token)
    assert client.get("/orders").get_json() == {"sub": "user-sub-1"}
    client.delete_cookie(ACCESS_COOKIE)
    assert client.get("/orders", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_every_refusal_is_the_same_401(issuer: Issuer, other_key: Any) -> None:
    client = make_app(issuer).test_client()
    answers = [client.get("/orders"),
               client.get("/orders", headers={"Authorization": f"Bearer {issuer.token(key=other_key)}"}),
               client.get("/orders", headers={"Authorization": f"Bearer {issuer.token(scope='openid')}"})]
    for answer in answers:
        assert answer.status_code == 401
        assert answer.get_json() == {"error": {"code": "unauthenticated", "message": "Sign in to continue."}}
        assert answer.headers["WWW-Authenticate"] == "Bearer"
        assert answer.headers["Cache-Control"] == "no-store"
