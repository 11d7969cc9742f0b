"""`sesame-admin client ...` and `sesame-admin env`, the real command against the embedded AWS."""

from __future__ import annotations

import shlex
from typing import Any

from chalicelib.config import settings
from devstack.browser import Browser
from sesame_verify import CognitoJwtVerifier
from tests import oauthkit
from tests.conftest import sign_in
from tests.tools.test_admin import Admin, admin, ok  # noqa: F401 - the fixture


def test_client_add_list_remove(admin: Admin, api: str, browser: Browser, user: str) -> None:  # noqa: F811
    added = ok(admin("--json", "client", "add", "--name", "Orders CLI", "--public",
                     "--redirect-uri", oauthkit.CALLBACK, "--origin", "https://app.example"))
    assert added["type"] == "public" and "client_secret" not in added and added["origins"] == ["https://app.example"]
    web = ok(admin("--json", "client", "add", "--name", "Orders web", "--redirect-uri", "https://orders.example/cb"))
    assert web["type"] == "confidential" and len(web["client_secret"]) >= 43
    text = ok(admin("client", "list"))
    assert added["client_id"] in text and "Orders web" in text and web["client_secret"] not in text

    sign_in(browser, user)
    verifier, challenge = oauthkit.pkce()
    code = oauthkit.code_for(browser, added["client_id"], challenge)
    reply = oauthkit.token(api, {"grant_type": "authorization_code", "code": code, "client_id": added["client_id"],
                                 "redirect_uri": oauthkit.CALLBACK, "code_verifier": verifier})
    assert reply.status_code == 200, reply.text

    assert "removed" in ok(admin("client", "remove", added["client_id"]))
    gone = browser.get(oauthkit.authorize_path(added["client_id"], challenge), redirects=False)
    assert gone.status in (400, 401) and gone.body["error"] == "invalid_client"
    again = admin("client", "remove", added["client_id"])
    assert again.returncode == 2 and "no client" in again.stderr


def test_client_add_refuses_what_cannot_be_honoured(admin: Admin) -> None:  # noqa: F811
    for args, says in ((("--redirect-uri", "http://orders.example/cb"), "http only for"),
                       (("--redirect-uri", "https://orders.example/cb#x"), "without a fragment"),
                       (("--redirect-uri", "https://orders.example/cb", "--origin", "https://a.example"),
                        "--origin needs --public")):
        done = admin("client", "add", "--name", "X", *args)
        assert done.returncode == 2 and says in done.stderr and "Traceback" not in done.stderr


def test_env_lets_a_service_verify_local_tokens(admin: Admin, browser: Browser, user: str) -> None:  # noqa: F811
    lines = ok(admin("env")).splitlines()
    found = dict(shlex.split(line.removeprefix("export "))[0].split("=", 1) for line in lines)
    config = settings()
    assert found["SESAME_ISSUER"] == config.issuer and found["SESAME_JWKS_URI"] == config.jwks_uri
    sign_in(browser, user)
    verifier: Any = CognitoJwtVerifier(found["SESAME_USER_POOL_ID"], found["SESAME_CLIENT_ID"], "access",
                                       issuer=found["SESAME_ISSUER"], jwks_uri=found["SESAME_JWKS_URI"])
    assert verifier.verify(browser.jar["__Host-sesame-access"])["username"]
