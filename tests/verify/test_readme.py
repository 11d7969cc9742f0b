"""Every Python block of verify/README.md, run in order as a reader would, against the
local stack's real tokens: each framework app it builds answers a signed-in request,
refuses others in Sesame's format, and refuses a signed-out user's token within the
revocation check's 30 seconds."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from sesame_tools import apps

from devstack.browser import Browser
from tests import oauthkit
from tests.conftest import load_event, sign_in

README = Path(__file__).resolve().parents[2] / "verify" / "README.md"
ACCESS = "__Host-sesame-access"


def blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), re.S)


def _get(app: Any, headers: dict[str, str]) -> tuple[int, dict[str, Any], dict[str, str]]:
    """GET /me on a FastAPI, Flask or Chalice app, in process."""
    kind = type(app).__module__.split(".")[0]
    if kind == "fastapi":
        from fastapi.testclient import TestClient

        reply = TestClient(app).get("/me", headers=headers)
        return reply.status_code, reply.json(), dict(reply.headers)
    if kind == "flask":
        client = app.test_client()
        if "Cookie" in headers:  # Werkzeug's test client sends cookies from its own jar only
            client.set_cookie(*headers.pop("Cookie").split("=", 1))
        answer = client.get("/me", headers=headers)
        return answer.status_code, answer.get_json(), dict(answer.headers)
    from chalice.test import Client

    with Client(app) as client:
        response = client.http.get("/me", headers=headers)
    return response.status_code, json.loads(response.body), dict(response.headers)


def _authorizers(namespace: dict[str, Any], token: str) -> dict[str, bool]:
    def event(name: str) -> dict[str, Any]:
        return dict(json.loads(json.dumps(load_event(name)).replace("{token}", token)))

    allowed = {"http": bool(namespace["http"](event("authorizer_http"), None)["isAuthorized"])}
    for name, handler in (("rest_request", namespace["rest_request"]), ("rest_token", namespace["rest_token"])):
        try:
            allowed[name] = handler(event(f"authorizer_{name}"), None)["policyDocument"]["Statement"][0][
                "Effect"] == "Allow"
        except Exception as exc:  # the authorizers' Unauthorized
            assert type(exc).__name__ == "Unauthorized", exc
            allowed[name] = False
    return allowed


def test_every_readme_block_runs_against_real_tokens(api: str, browser: Browser, user: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    resource = oauthkit.register(public=False, name="Orders API", redirect_uris=("https://orders.example/unused",))
    for name, value in {**apps.environment(), "SESAME_INTROSPECTION_URL": f"{api}/oauth/introspect",
                        "ORDERS_CLIENT_ID": resource.client_id, "ORDERS_CLIENT_SECRET": resource.secret}.items():
        monkeypatch.setenv(name, value)
    sign_in(browser, user)
    token = browser.jar[ACCESS]
    namespace: dict[str, Any] = {"__name__": "readme"}
    checked: list[str] = []
    for source in blocks():
        before = namespace.get("app")
        exec(compile(source, str(README), "exec"), namespace)
        if namespace.get("app") is not before:
            app = namespace["app"]
            status, body, _ = _get(app, {"Authorization": f"Bearer {token}"})
            assert (status, body["sub"]) == (200, namespace["verifier"].verify(token)["sub"])
            assert _get(app, {"Cookie": f"{ACCESS}={token}"})[0] == 200
            status, body, headers = _get(app, {})
            assert status == 401 and body["error"]["code"] == "unauthenticated"
            assert headers.get("WWW-Authenticate", headers.get("www-authenticate")) == "Bearer"
            checked.append(type(app).__module__.split(".")[0])
            namespace[f"app_{checked[-1]}"] = app
    assert checked == ["fastapi", "flask", "chalice"]
    assert _authorizers(namespace, token) == {"http": True, "rest_request": True, "rest_token": True}

    # Sign-out reaches the service: refused once the check's answer is older than 30 s.
    assert browser.post("/auth/sign-out", {}).status == 204
    later = time.time() + 31
    namespace["revocation"]._clock = lambda: later
    for kind in checked:
        status, body, _ = _get(namespace[f"app_{kind}"], {"Authorization": f"Bearer {token}"})
        assert status == 401 and body["error"]["code"] == "unauthenticated", kind
    assert _authorizers(namespace, token) == {"http": False, "rest_request": False, "rest_token": False}


def test_hydrate_failure_is_a_jwks_error_not_a_crash_at_import() -> None:
    from sesame_verify import CognitoJwtVerifier, JwksError

    verifier = CognitoJwtVerifier("eu-west-1_Placeholder1", "client", "access",
                                  jwks_uri="http://127.0.0.1:9/.well-known/jwks.json", timeout=0.5)
    with pytest.raises(JwksError):
        verifier.hydrate()
