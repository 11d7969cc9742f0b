"""Orders: a small service that signs its users in through Sesame and protects its API
with sesame_verify. Copy it; every setting comes from the environment.

* ``/login`` sends the browser to Sesame's authorization endpoint (code + S256 PKCE),
  ``/callback`` exchanges the code as a confidential client (``client_secret_basic``).
* ``/api/orders`` takes a bearer token (this app's own, or one a CLI got as a public
  client) and checks it with ``sesame_verify``, revocation included: a user who signs
  out of Sesame, anywhere, is refused here within ``ORDERS_REVOCATION_MAX_AGE`` seconds.
* ``/logout`` revokes the tokens at Sesame (RFC 7009).

Run it: ``eval "$(sesame-admin --stage local env)"``, register it with
``sesame-admin --stage local client add --name Orders --redirect-uri http://127.0.0.1:5000/callback``,
set ``ORDERS_CLIENT_ID`` and ``ORDERS_CLIENT_SECRET``, then ``flask --app app run --port 5000``.
"""

from __future__ import annotations

import os
import secrets
from typing import Any

import requests
from authlib.integrations.requests_client import OAuth2Session
from flask import Flask, abort, jsonify, redirect, request, session

from sesame_verify import CognitoJwtVerifier, Introspection
from sesame_verify.flask_auth import current_claims, login_required


def _env(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise RuntimeError(f"set {name} (see the module docstring)")
    return value


def create_app() -> Flask:
    sesame = _env("SESAME_URL")
    client_id, client_secret = _env("ORDERS_CLIENT_ID"), _env("ORDERS_CLIENT_SECRET")
    redirect_uri = _env("ORDERS_REDIRECT_URI", "http://127.0.0.1:5000/callback")
    meta = requests.get(f"{sesame}/.well-known/oauth-authorization-server", timeout=5).json()
    verifier = CognitoJwtVerifier(
        _env("SESAME_USER_POOL_ID"), _env("SESAME_CLIENT_ID"), "access",
        issuer=_env("SESAME_ISSUER"), jwks_uri=meta["jwks_uri"],
        revocation=Introspection(meta["introspection_endpoint"], client_id, client_secret,
                                 max_age=float(_env("ORDERS_REVOCATION_MAX_AGE", "30"))))
    app = Flask(__name__)
    app.secret_key = _env("ORDERS_SESSION_KEY", secrets.token_hex(32))
    # Tokens stay on the server; the browser's cookie holds only a random handle (a real
    # service keeps this in its own store, not in memory).
    tokens: dict[str, dict[str, Any]] = {}

    def oauth() -> OAuth2Session:
        return OAuth2Session(client_id, client_secret, scope="openid email", redirect_uri=redirect_uri,
                             code_challenge_method="S256", token_endpoint_auth_method="client_secret_basic")

    @app.get("/login")
    def login() -> Any:
        code_verifier = secrets.token_urlsafe(48)
        url, state = oauth().create_authorization_url(meta["authorization_endpoint"], code_verifier=code_verifier)
        session["oauth"] = {"state": state, "verifier": code_verifier}
        return redirect(url)

    @app.get("/callback")
    def callback() -> Any:
        pending = session.pop("oauth", None)
        if not pending or request.args.get("state") != pending["state"] or "error" in request.args:
            abort(400)
        token = oauth().fetch_token(meta["token_endpoint"], authorization_response=request.url,
                                    code_verifier=pending["verifier"])
        handle = secrets.token_urlsafe(32)
        tokens[handle] = token
        session["handle"] = handle
        return redirect("/")

    @app.get("/")
    def home() -> Any:
        token = tokens.get(session.get("handle", ""))
        if token is None:
            return redirect("/login")
        return jsonify(signed_in=True, access_token=token["access_token"])

    @app.get("/api/orders")
    @login_required(verifier)
    def orders() -> Any:
        return jsonify(owner=current_claims()["sub"], orders=[])

    @app.post("/logout")
    def logout() -> Any:
        token = tokens.pop(session.pop("handle", ""), None)
        if token is not None:
            oauth().revoke_token(meta["revocation_endpoint"], token=token["refresh_token"],
                                 token_type_hint="refresh_token")
        return jsonify(signed_out=True)

    return app
