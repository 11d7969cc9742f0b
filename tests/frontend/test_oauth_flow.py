"""An app signs a user in through Sesame with a real OAuth client library (Authlib's
OAuth2Session) and real Chromium: discovery, code + PKCE through the sign-in page,
token, refresh, revocation and introspection."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session

from tests import oauthkit
from tests.conftest import create_user
from tests.frontend.conftest import shot, sign_in_here, signed_in

EMAIL = "ada@example.com"


@pytest.fixture
def loopback() -> Iterator[str]:
    """A CLI's redirect listener on 127.0.0.1 (any port: RFC 8252 §7.3)."""
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"<h1>You can close this window</h1>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/callback"
    server.shutdown()


def test_an_app_signs_in_with_authlib_through_the_sign_in_page(context: Any, origin: str, api: str,
                                                               loopback: str) -> None:
    create_user(EMAIL)
    app = oauthkit.register(redirect_uris=("http://127.0.0.1/callback",), name="Orders CLI")
    resource = oauthkit.register(public=False, name="Orders API", redirect_uris=("https://orders.example/unused",))
    meta = requests.get(f"{origin}/.well-known/oauth-authorization-server", timeout=10).json()

    client = OAuth2Session(app.client_id, redirect_uri=loopback, scope="openid email",
                           code_challenge_method="S256", token_endpoint_auth_method="none")
    verifier = oauthkit.pkce()[0]
    url, state = client.create_authorization_url(meta["authorization_endpoint"], code_verifier=verifier)

    page = context.new_page()
    page.goto(url)  # signed out: Sesame's own page asks first
    sign_in_here(page, EMAIL)
    page.wait_for_url(f"{loopback}?*")
    shot(page, "oauth-01-back-at-the-app")
    callback = page.url
    assert f"state={state}" in callback

    token = client.fetch_token(meta["token_endpoint"], authorization_response=callback, code_verifier=verifier)
    assert {"access_token", "refresh_token", "id_token"} <= set(token)
    assert not any(c["value"] in (token["access_token"], token["refresh_token"]) for c in context.cookies())

    def introspect(value: str) -> dict[str, Any]:
        reply = requests.post(meta["introspection_endpoint"], data={"token": value},
                              auth=(resource.client_id, resource.secret), timeout=10)
        return dict(reply.json())

    assert introspect(token["access_token"])["client_id"] == app.client_id
    renewed = client.refresh_token(meta["token_endpoint"], refresh_token=token["refresh_token"])
    assert renewed["access_token"] != token["access_token"]

    # A browser already signed in goes straight through, no page in between.
    again = OAuth2Session(app.client_id, redirect_uri=loopback, scope="email", code_challenge_method="S256")
    url, _ = again.create_authorization_url(meta["authorization_endpoint"], code_verifier=verifier)
    page.goto(url)
    page.wait_for_url(f"{loopback}?*")

    revoked = client.revoke_token(meta["revocation_endpoint"], token=token["refresh_token"],
                                  token_type_hint="refresh_token")
    assert revoked.status_code == 200
    assert introspect(renewed["access_token"]) == {"active": False}
    # The user's own session on Sesame's page lives on.
    page.goto("/")
    signed_in(page)
