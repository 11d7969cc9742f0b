"""Secrets: read from SSM per stage, cached, and rotatable without breaking codes in flight."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib import aws, params
from chalicelib.config import settings
from devstack.browser import Browser
from tests.conftest import code_and_token, inbox


def put(name: str, value: str) -> None:
    aws.client("ssm").put_parameter(Name=f"/sesame/{settings().stage}/{name}", Value=value,
                                    Type="SecureString", Overwrite=True)


def cache_expires() -> None:
    """What the 300-second cache TTL passing looks like to the app."""
    params.clear()


def test_secrets_come_from_ssm_secure_strings(stack: Any) -> None:
    found = aws.client("ssm").describe_parameters()["Parameters"]
    names = {p["Name"]: p["Type"] for p in found}
    assert names == {"/sesame/local/code-pepper": "SecureString", "/sesame/local/email-hash-key": "SecureString",
                     # not secrets: the ids a deployed function reads (chalicelib.config)
                     "/sesame/local/user-pool-id": "String", "/sesame/local/client-id": "String"}
    before = params.secret("code-pepper")
    put("code-pepper", "rotated-value")
    assert params.secret("code-pepper") == before  # cached for the TTL: no SSM call per request
    cache_expires()
    assert params.secret("code-pepper") == b"rotated-value"


def test_a_missing_secret_fails_closed(stack: Any, browser: Browser, user: str) -> None:
    aws.client("ssm").delete_parameter(Name="/sesame/local/email-hash-key")
    cache_expires()
    with pytest.raises(params.SecretUnavailable):
        params.secret("email-hash-key")
    reply = browser.post("/auth/sign-in", {"email": user})
    assert (reply.status, reply.body["error"]["code"]) == (503, "unavailable")
    assert inbox(user) == []


@pytest.mark.parametrize("keep_previous", [True, False])
def test_rotating_the_code_pepper_keeps_codes_in_flight(browser: Browser, user: str, keep_previous: bool) -> None:
    browser.post("/auth/sign-in", {"email": user})
    code, _ = code_and_token(inbox(user)[0])
    old = params.secret("code-pepper").decode()
    if keep_previous:
        put("code-pepper-previous", old)  # the documented rotation step
    put("code-pepper", "a-brand-new-pepper-value")
    cache_expires()
    reply = browser.post("/auth/sign-in/code", {"code": code})
    assert reply.status == (200 if keep_previous else 401)


def test_a_deployed_stage_reads_the_pool_and_client_ids_from_ssm(stack: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib import config

    expected = (config.settings().user_pool_id, config.settings().client_id)
    for name in ("SESAME_USER_POOL_ID", "SESAME_CLIENT_ID", "SESAME_JWKS_URI"):
        monkeypatch.delenv(name)
    config.settings.cache_clear()
    try:
        found = config.settings()
        assert (found.user_pool_id, found.client_id) == expected
        assert found.issuer.endswith(f"/{expected[0]}") and found.jwks_uri == f"{found.issuer}/.well-known/jwks.json"
    finally:
        config.settings.cache_clear()
