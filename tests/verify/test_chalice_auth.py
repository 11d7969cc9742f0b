"""The Chalice decorator and authorizer, through Chalice's own test client."""

from __future__ import annotations

import json
from typing import Any

from chalice import Chalice
from chalice.app import AuthRequest
from chalice.test import Client

from sesame_verify import ACCESS_COOKIE, CognitoJwtVerifier
from sesame_verify.chalice_auth import CLAIMS_KEY, authorizer, login_required
from tests.verify.conftest import CLIENT, POOL, Issuer, jwk_of


def make_app(issuer: Issuer) -> Chalice:
    verifier = CognitoJwtVerifier(POOL, CLIENT, "access", jwks={"keys": [jwk_of(issuer.key, "key-1")]})
    app = Chalice(app_name="service")

    @app.route("/me")
    @login_required(app, verifier)
    def me() -> dict[str, Any]:
        return {"sub": app.current_request.context[CLAIMS_KEY]["sub"]}

    return app


def test_login_required(issuer: Issuer, other_key: Any) -> None:
    with Client(make_app(issuer)) as client:
        assert client.http.get("/me").status_code == 401
        bad = client.http.get("/me", headers={"Cookie": f"{ACCESS_COOKIE}={issuer.token(key=other_key)}"})
        assert bad.status_code == 401
        assert json.loads(bad.body)["error"]["code"] == "unauthenticated"
        good = client.http.get("/me", headers={"Cookie": f"{ACCESS_COOKIE}={issuer.token()}"})
        assert good.status_code == 200 and json.loads(good.body) == {"sub": "user-sub-1"}
        bearer = client.http.get("/me", headers={"Authorization": f"Bearer {issuer.token()}"})
        assert bearer.status_code == 200


def test_authorizer(issuer: Issuer, other_key: Any) -> None:
    verifier = CognitoJwtVerifier(POOL, CLIENT, "access", jwks={"keys": [jwk_of(issuer.key, "key-1")]})
    authorize = authorizer(verifier)
    arn = "arn:aws:execute-api:eu-west-1:123456789012:api/dev/GET/me"
    allowed = authorize(AuthRequest("TOKEN", f"Bearer {issuer.token()}", arn))
    assert allowed.routes == ["*"] and allowed.principal_id == "user-sub-1"
    for token in (f"Bearer {issuer.token(key=other_key)}", issuer.token(), ""):
        denied = authorize(AuthRequest("TOKEN", token, arn))
        assert denied.routes == [] and denied.principal_id == "anonymous"
