"""Sesame as an OAuth 2.1 server, through HTTP: discovery, code + PKCE, token,
refresh, revocation, introspection, and each refusal the protocol asks for."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from chalicelib import tokens
from chalicelib.oauth import clients, codes
from tests import oauthkit
from tests.conftest import sign_in
from tests.oauthkit import CALLBACK


@pytest.fixture
def signed_in(browser: Any, user: str) -> Any:
    sign_in(browser, user)
    return browser


def _tokens(api: str, browser: Any, registered: oauthkit.Registered, **kwargs: Any) -> dict[str, Any]:
    verifier, challenge = oauthkit.pkce()
    code = oauthkit.code_for(browser, registered.client_id, challenge, **kwargs)
    reply = oauthkit.exchange(api, registered, code, verifier)
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def _introspect(api: str, resource: oauthkit.Registered, token: str) -> dict[str, Any]:
    reply = oauthkit.token(api, {"token": token}, auth=(resource.client_id, resource.secret), path="/oauth/introspect")
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def test_discovery_names_the_endpoints_grants_and_keys(api: str, stack: Any) -> None:
    for path in ("/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"):
        document = oauthkit.requests.get(api + path, timeout=10).json()
        base = stack.env["SESAME_PUBLIC_URL"]
        assert document["issuer"] == base
        assert document["token_endpoint"] == f"{base}/oauth/token"
        assert document["authorization_endpoint"] == f"{base}/oauth/authorize"
        assert document["grant_types_supported"] == ["authorization_code", "refresh_token",
                                                     "urn:ietf:params:oauth:grant-type:device_code"]
        assert document["device_authorization_endpoint"] == f"{base}/oauth/device_authorization"
        assert document["code_challenge_methods_supported"] == ["S256"]
        assert document["response_types_supported"] == ["code"]
        assert document["jwks_uri"] == tokens.settings().jwks_uri


def test_code_pkce_token_refresh_revoke(api: str, signed_in: Any, user: str) -> None:
    app = oauthkit.register()
    resource = oauthkit.register(public=False, name="Orders API", redirect_uris=("https://orders.example/cb",))
    issued = _tokens(api, signed_in, app)
    assert issued["token_type"] == "Bearer" and issued["scope"] == "openid email"
    claims = tokens.verifier("access").verify(issued["access_token"])
    assert tokens.verifier("id").verify(issued["id_token"])["email"] == user
    # Nothing for the browser's cookie jar: the tokens went to the client holding the verifier.
    assert "__Host-sesame-access" in signed_in.jar and issued["access_token"] != signed_in.jar["__Host-sesame-access"]

    seen = _introspect(api, resource, issued["access_token"])
    assert seen["active"] is True and seen["client_id"] == app.client_id and seen["sub"] == claims["sub"]

    listed = signed_in.get("/auth/sessions").body["sessions"]
    assert [s["app"] for s in listed if s["method"] == "oauth"] == ["Orders CLI"]

    renewed = oauthkit.token(api, {"grant_type": "refresh_token", "refresh_token": issued["refresh_token"],
                                   "client_id": app.client_id})
    assert renewed.status_code == 200, renewed.text
    assert tokens.verifier("access").verify(renewed.json()["access_token"])["origin_jti"] == claims["origin_jti"]

    revoked = oauthkit.token(api, {"token": issued["refresh_token"], "client_id": app.client_id},
                             path="/oauth/revoke")
    assert revoked.status_code == 200
    assert _introspect(api, resource, issued["access_token"]) == {"active": False}
    again = oauthkit.token(api, {"grant_type": "refresh_token", "refresh_token": issued["refresh_token"],
                                 "client_id": app.client_id})
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    # The browser's own session is untouched.
    assert signed_in.get("/auth/session").status == 200


def test_signed_out_browser_goes_to_the_sign_in_page_and_back(api: str, browser: Any, stack: Any) -> None:
    app = oauthkit.register()
    _, challenge = oauthkit.pkce()
    path = oauthkit.authorize_path(app.client_id, challenge)
    target, params = oauthkit.location(browser.get(path, redirects=False))
    assert urlsplit(target).path == "/" and params["redirect"].startswith("/oauth/authorize?")
    assert parse_qs(urlsplit(params["redirect"]).query) == parse_qs(urlsplit(path).query)


def test_state_comes_back_and_the_loopback_port_may_differ(api: str, signed_in: Any) -> None:
    app = oauthkit.register()
    _, challenge = oauthkit.pkce()
    target, params = oauthkit.location(signed_in.get(oauthkit.authorize_path(
        app.client_id, challenge, redirect_uri="http://127.0.0.1:53111/callback", state="xyz"), redirects=False))
    assert target.startswith("http://127.0.0.1:53111/callback?") and params["state"] == "xyz" and params["code"]


@pytest.mark.parametrize(("change", "error"), [
    ({"redirect_uri": "https://evil.example/callback"}, "invalid_request"),
    ({"redirect_uri": "http://127.0.0.1/other"}, "invalid_request"),
    ({"client_id": "sc_unknown"}, "invalid_client"),
])
def test_a_bad_client_or_redirect_uri_is_never_redirected_to(api: str, signed_in: Any, change: dict[str, str],
                                                             error: str) -> None:
    app = oauthkit.register()
    _, challenge = oauthkit.pkce()
    kwargs = {"redirect_uri": change.get("redirect_uri", CALLBACK)}
    reply = signed_in.get(oauthkit.authorize_path(change.get("client_id", app.client_id), challenge, **kwargs),
                          redirects=False)
    assert reply.status in (400, 401) and reply.body["error"] == error and "Location" not in reply.headers


@pytest.mark.parametrize(("challenge", "method"), [(None, None), ("x" * 43, "plain"), ("x" * 43, None)])
def test_pkce_s256_is_required(api: str, signed_in: Any, challenge: str | None, method: str | None) -> None:
    app = oauthkit.register()
    reply = signed_in.get(oauthkit.authorize_path(app.client_id, challenge, method=method, state="s"),
                          redirects=False)
    target, params = oauthkit.location(reply)
    assert target.startswith(CALLBACK) and params["error"] == "invalid_request" and params["state"] == "s"
    assert "code" not in params


def test_wrong_verifier_is_refused_and_spends_nothing(api: str, signed_in: Any) -> None:
    app = oauthkit.register()
    verifier, challenge = oauthkit.pkce()
    code = oauthkit.code_for(signed_in, app.client_id, challenge)
    wrong = oauthkit.exchange(api, app, code, oauthkit.pkce()[0])
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    assert oauthkit.exchange(api, app, code, verifier).status_code == 200


def test_a_reused_code_is_refused_and_revokes_what_it_issued(api: str, signed_in: Any) -> None:
    app = oauthkit.register()
    resource = oauthkit.register(public=False, name="Orders API", redirect_uris=("https://orders.example/cb",))
    verifier, challenge = oauthkit.pkce()
    code = oauthkit.code_for(signed_in, app.client_id, challenge)
    first = oauthkit.exchange(api, app, code, verifier)
    assert first.status_code == 200
    second = oauthkit.exchange(api, app, code, verifier)
    assert second.status_code == 400 and second.json()["error"] == "invalid_grant"
    assert _introspect(api, resource, first.json()["access_token"]) == {"active": False}


def test_a_code_is_bound_to_its_client_and_redirect_uri(api: str, signed_in: Any) -> None:
    app, other = oauthkit.register(), oauthkit.register(name="Other")
    verifier, challenge = oauthkit.pkce()
    code = oauthkit.code_for(signed_in, app.client_id, challenge)
    assert oauthkit.exchange(api, other, code, verifier).json()["error"] == "invalid_grant"
    moved = oauthkit.exchange(api, app, code, verifier, redirect_uri="http://127.0.0.1:9/callback")
    assert moved.json()["error"] == "invalid_grant"


def test_a_code_lives_sixty_seconds(api: str, signed_in: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    app = oauthkit.register()
    verifier, challenge = oauthkit.pkce()
    code = oauthkit.code_for(signed_in, app.client_id, challenge)
    found = codes.find(code)
    assert found is not None and found.expires_at - time.time() <= codes.LIFETIME == 60
    later = time.time() + 61
    monkeypatch.setattr(time, "time", lambda: later)
    assert oauthkit.exchange(api, app, code, verifier).json()["error"] == "invalid_grant"


def test_confidential_client_must_authenticate(api: str, signed_in: Any) -> None:
    app = oauthkit.register(public=False, name="Orders web")
    verifier, challenge = oauthkit.pkce()
    code = oauthkit.code_for(signed_in, app.client_id, challenge)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK, "code_verifier": verifier}
    bare = oauthkit.token(api, {**form, "client_id": app.client_id})
    assert bare.status_code in (400, 401) and bare.json()["error"] == "invalid_client"
    wrong = oauthkit.token(api, form, auth=(app.client_id, "not-the-secret"))
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    assert oauthkit.token(api, form, auth=(app.client_id, app.secret)).status_code == 200


def test_public_client_refresh_from_another_origin_is_refused(api: str, signed_in: Any) -> None:
    spa = oauthkit.register(origins=("https://app.example",), name="Orders SPA")
    issued = _tokens(api, signed_in, spa)
    form = {"grant_type": "refresh_token", "refresh_token": issued["refresh_token"], "client_id": spa.client_id}
    elsewhere = oauthkit.token(api, form, headers={"Origin": "https://evil.example"})
    assert elsewhere.status_code == 401 and elsewhere.json()["error"] == "invalid_client"
    assert "Access-Control-Allow-Origin" not in elsewhere.headers
    home = oauthkit.token(api, form, headers={"Origin": "https://app.example"})
    assert home.status_code == 200 and home.headers["Access-Control-Allow-Origin"] == "https://app.example"


def test_cors_only_for_registered_origins(api: str, stack: Any) -> None:
    oauthkit.register(origins=("https://app.example",), name="Orders SPA")
    preflight = {"Origin": "https://app.example", "Access-Control-Request-Method": "POST"}
    ok = oauthkit.requests.options(api + "/oauth/token", headers=preflight, timeout=10)
    assert ok.status_code == 204 and ok.headers["Access-Control-Allow-Origin"] == "https://app.example"
    refused = oauthkit.requests.options(api + "/oauth/token", headers={**preflight, "Origin": "https://evil.example"},
                                        timeout=10)
    assert refused.status_code == 403 and "Access-Control-Allow-Origin" not in refused.headers
    found = oauthkit.requests.get(api + "/.well-known/oauth-authorization-server",
                                  headers={"Origin": "https://app.example"}, timeout=10)
    assert found.headers["Access-Control-Allow-Origin"] == "https://app.example"
    # Nothing else gets CORS.
    other = oauthkit.requests.get(api + "/auth/config", headers={"Origin": "https://app.example"}, timeout=10)
    assert "Access-Control-Allow-Origin" not in other.headers


def test_a_refresh_token_is_bound_to_its_client(api: str, signed_in: Any) -> None:
    app, other = oauthkit.register(), oauthkit.register(name="Other")
    issued = _tokens(api, signed_in, app)
    stolen = oauthkit.token(api, {"grant_type": "refresh_token", "refresh_token": issued["refresh_token"],
                                  "client_id": other.client_id})
    assert stolen.status_code == 400 and stolen.json()["error"] == "invalid_grant"


def test_browser_refresh_cookie_is_no_oauth_refresh_token(api: str, signed_in: Any) -> None:
    app = oauthkit.register()
    cookie = signed_in.jar["__Secure-sesame-refresh"]
    reply = oauthkit.token(api, {"grant_type": "refresh_token", "refresh_token": cookie, "client_id": app.client_id})
    assert reply.status_code == 400 and reply.json()["error"] == "invalid_grant"


@pytest.mark.parametrize("form", [
    {"grant_type": "password", "username": "a", "password": "b"},
    {"grant_type": "client_credentials"},
    {"grant_type": "implicit"},
])
def test_other_grants_are_unsupported(api: str, stack: Any, form: dict[str, str]) -> None:
    app = oauthkit.register()
    reply = oauthkit.token(api, {**form, "client_id": app.client_id})
    assert reply.status_code == 400 and reply.json()["error"] == "unsupported_grant_type"


def test_implicit_response_type_is_refused(api: str, signed_in: Any) -> None:
    app = oauthkit.register()
    _, challenge = oauthkit.pkce()
    reply = signed_in.get(oauthkit.authorize_path(app.client_id, challenge, response_type="token"), redirects=False)
    _, params = oauthkit.location(reply)
    assert params["error"] == "unsupported_response_type" and "access_token" not in params


@pytest.mark.parametrize(("body", "headers"), [
    ("grant_type=authorization_code&grant_type=refresh_token", {"Content-Type": "application/x-www-form-urlencoded"}),
    ('{"grant_type": "refresh_token"}', {"Content-Type": "application/json"}),
    ("a=" + "x" * 9000, {"Content-Type": "application/x-www-form-urlencoded"}),
])
def test_bad_token_requests_get_a_clear_400(api: str, stack: Any, body: str, headers: dict[str, str]) -> None:
    reply = oauthkit.requests.post(api + "/oauth/token", data=body, headers=headers, timeout=10)
    assert reply.status_code == 400 and reply.json()["error"] == "invalid_request"


def test_sign_out_everywhere_ends_app_sessions(api: str, signed_in: Any) -> None:
    app = oauthkit.register()
    resource = oauthkit.register(public=False, name="Orders API", redirect_uris=("https://orders.example/cb",))
    issued = _tokens(api, signed_in, app)
    assert signed_in.post("/auth/sign-out", {"everywhere": True}).status == 204
    assert _introspect(api, resource, issued["access_token"]) == {"active": False}
    again = oauthkit.token(api, {"grant_type": "refresh_token", "refresh_token": issued["refresh_token"],
                                 "client_id": app.client_id})
    assert again.status_code == 400


def test_introspection_is_for_authenticated_resource_servers(api: str, signed_in: Any) -> None:
    app = oauthkit.register()
    issued = _tokens(api, signed_in, app)
    anonymous = oauthkit.token(api, {"token": issued["access_token"], "client_id": app.client_id},
                               path="/oauth/introspect")
    assert anonymous.status_code in (400, 401) and anonymous.json()["error"] == "invalid_client"
    # The browser's own access token is a session too: a resource server sees it live.
    resource = oauthkit.register(public=False, name="Orders API", redirect_uris=("https://orders.example/cb",))
    assert _introspect(api, resource, signed_in.jar["__Host-sesame-access"])["active"] is True


def test_an_app_token_is_no_browser_session(api: str, signed_in: Any, new_browser: Any) -> None:
    issued = _tokens(api, signed_in, oauthkit.register())
    other = new_browser()
    other.jar["__Host-sesame-access"] = issued["access_token"]
    assert other.get("/auth/session").status == 401


def test_removed_client_gets_nothing(api: str, signed_in: Any) -> None:
    app = oauthkit.register()
    issued = _tokens(api, signed_in, app)
    assert clients.remove(app.client_id) and not clients.remove(app.client_id)
    reply = oauthkit.token(api, {"grant_type": "refresh_token", "refresh_token": issued["refresh_token"],
                                 "client_id": app.client_id})
    assert reply.status_code in (400, 401) and reply.json()["error"] == "invalid_client"


@pytest.mark.parametrize("query", ["response_type=co%22de&client_id=x", "response_type=%C3%A9&client_id=x",
                                   "client_id=a&client_id=b&response_type=code", "state=" + "x" * 5000])
def test_bad_authorization_requests_get_a_clear_400(api: str, browser: Any, query: str) -> None:
    reply = browser.get(f"/oauth/authorize?{query}", redirects=False)
    assert reply.status == 400 and reply.body["error"] == "invalid_request" and "Location" not in reply.headers


def test_this_wasnt_me_and_an_operators_disable_end_app_sessions(api: str, signed_in: Any, new_browser: Any,
                                                                  user: str) -> None:
    from sesame_tools import lifecycle

    from tests.accountkit import SAFARI, not_me_token
    from tests.accountkit import signed_in as sign_in_as

    app = oauthkit.register()
    resource = oauthkit.register(public=False, name="Orders API", redirect_uris=("https://orders.example/cb",))
    first = _tokens(api, signed_in, app)
    sign_in_as(new_browser(), user, SAFARI)  # a new browser: the account is mailed a "this wasn't me" link
    secured = new_browser().post("/auth/not-me", {"token": not_me_token(user)})
    assert secured.status == 200 and secured.body["sessions_ended"] == 3  # two browsers and the app
    assert _introspect(api, resource, first["access_token"]) == {"active": False}

    browser = new_browser()
    sign_in(browser, user)
    second = _tokens(api, browser, app)
    lifecycle.disable(user, "test")
    assert _introspect(api, resource, second["access_token"]) == {"active": False}
    refreshed = oauthkit.token(api, {"grant_type": "refresh_token", "refresh_token": second["refresh_token"],
                                     "client_id": app.client_id})
    assert refreshed.status_code == 400


def test_revoking_another_clients_token_does_nothing(api: str, signed_in: Any) -> None:
    app, other = oauthkit.register(), oauthkit.register(name="Other")
    resource = oauthkit.register(public=False, name="Orders API", redirect_uris=("https://orders.example/cb",))
    issued = _tokens(api, signed_in, app)
    reply = oauthkit.token(api, {"token": issued["access_token"], "client_id": other.client_id}, path="/oauth/revoke")
    assert reply.status_code == 200 and reply.json() == {}
    assert _introspect(api, resource, issued["access_token"])["active"] is True
