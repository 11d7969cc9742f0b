"""examples/orders, the app another team would copy, against the local stack: a browser
signs in to it through Sesame, its API takes the token, and a sign-out at Sesame reaches it."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sesame_tools import apps

from devstack.browser import Browser
from tests import oauthkit
from tests.conftest import sign_in

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "orders" / "app.py"
CALLBACK = "http://127.0.0.1:5000/callback"


@pytest.fixture
def orders(stack: Any, api: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    registered = oauthkit.register(public=False, name="Orders", redirect_uris=(CALLBACK,))
    for name, value in {**apps.environment(), "ORDERS_CLIENT_ID": registered.client_id,
                        "ORDERS_CLIENT_SECRET": registered.secret, "ORDERS_REDIRECT_URI": CALLBACK,
                        "ORDERS_REVOCATION_MAX_AGE": "0"}.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("orders_example", EXAMPLE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.create_app().test_client()


def _sesame_path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_sign_in_call_the_api_and_sign_out_everywhere(orders: Any, browser: Browser, user: str) -> None:
    assert orders.get("/").headers["Location"] == "/login"
    to_sesame = orders.get("/login").headers["Location"]
    sign_in(browser, user)
    back = browser.get(_sesame_path(to_sesame), redirects=False)
    assert back.status == 302 and back.headers["Location"].startswith(CALLBACK)
    assert orders.get(_sesame_path(back.headers["Location"])).status_code == 302
    token = orders.get("/").get_json()["access_token"]

    mine = orders.get("/api/orders", headers={"Authorization": f"Bearer {token}"})
    assert mine.status_code == 200 and mine.get_json()["orders"] == []
    anonymous = orders.get("/api/orders")
    assert anonymous.status_code == 401 and anonymous.get_json()["error"]["code"] == "unauthenticated"

    assert browser.post("/auth/sign-out", {"everywhere": True}).status == 204
    refused = orders.get("/api/orders", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 401


def test_logout_revokes_at_sesame(orders: Any, browser: Browser, user: str) -> None:
    to_sesame = orders.get("/login").headers["Location"]
    sign_in(browser, user)
    back = browser.get(_sesame_path(to_sesame), redirects=False)
    orders.get(_sesame_path(back.headers["Location"]))
    token = orders.get("/").get_json()["access_token"]
    assert orders.post("/logout").get_json() == {"signed_out": True}
    assert orders.get("/api/orders", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert [s["app"] for s in browser.get("/auth/sessions").body["sessions"]] == [None]


def test_a_forged_callback_is_refused(orders: Any) -> None:
    orders.get("/login")
    assert orders.get("/callback?code=x&state=not-mine").status_code == 400
