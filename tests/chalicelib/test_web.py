"""chalicelib/web.py's last line of defence: an unexpected exception is a 500 with a stable code, and
one ERROR line for the operator that says where, without the exception's message."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.signin import flow as signin
from devstack.browser import Browser


def test_an_unexpected_exception_is_a_500_and_an_error_line_without_its_message(
        browser: Browser, audit_log: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: Any, **__: Any) -> None:
        raise RuntimeError("ada@example.com")  # what a message may quote

    monkeypatch.setattr(signin, "request_sign_in", broken)
    reply = browser.post("/auth/sign-in", {"email": "ada@example.com"})
    assert reply.status == 500 and reply.body["error"]["code"] == "internal"
    lines = [json.loads(line) for line in audit_log.getvalue().splitlines() if line.startswith("{")]
    [error] = [line for line in lines if line.get("level") == "ERROR"]
    assert error["exception_type"] == "RuntimeError"
    assert any("request_sign_in" in frame or "broken" in frame for frame in error["frames"])
    assert "ada@example.com" not in audit_log.getvalue()
