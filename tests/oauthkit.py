"""Helpers for the OAuth tests: register a client as an operator does, make a
PKCE pair, and run the authorization request in a (signed-in) browser."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import requests

from chalicelib.oauth import clients
from devstack.browser import Browser

CALLBACK = "http://127.0.0.1/callback"


@dataclass(frozen=True)
class Registered:
    client: clients.Client
    secret: str

    @property
    def client_id(self) -> str:
        return self.client.client_id


def register(*, public: bool = True, redirect_uris: tuple[str, ...] = (CALLBACK,), origins: tuple[str, ...] = (),
             name: str = "Orders CLI") -> Registered:
    client, secret = clients.add(name, list(redirect_uris), public, list(origins))
    return Registered(client, secret)


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize_path(client_id: str, challenge: str | None, *, redirect_uri: str = CALLBACK, state: str = "st-1",
                   scope: str = "openid email", method: str | None = "S256", **extra: str) -> str:
    params = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri, "scope": scope,
              "state": state, **({"code_challenge": challenge} if challenge else {}),
              **({"code_challenge_method": method} if method else {}), **extra}
    return "/oauth/authorize?" + urlencode(params)


def location(reply: Any) -> tuple[str, dict[str, str]]:
    """Where a 302 goes, and its query parameters."""
    assert reply.status == 302, (reply.status, reply.body)
    target = reply.headers["Location"]
    return target, {k: v[0] for k, v in parse_qs(urlsplit(target).query).items()}


def code_for(browser: Browser, client_id: str, challenge: str, **kwargs: Any) -> str:
    """A signed-in browser's authorization request, answered with a code."""
    _, params = location(browser.get(authorize_path(client_id, challenge, **kwargs), redirects=False))
    assert "code" in params, params
    return params["code"]


def token(api: str, form: dict[str, str], *, auth: tuple[str, str] | None = None,
          headers: dict[str, str] | None = None, path: str = "/oauth/token") -> requests.Response:
    """A form POST as a client library makes it (no cookies, no Origin unless given)."""
    return requests.post(api + path, data=form, auth=auth, headers=headers or {}, timeout=30)


def exchange(api: str, registered: Registered, code: str, verifier: str, **extra: str) -> requests.Response:
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK,
            "code_verifier": verifier, **extra}
    if registered.client.public:
        return token(api, {**form, "client_id": registered.client_id})
    return token(api, form, auth=(registered.client_id, registered.secret))
