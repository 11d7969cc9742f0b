"""The audit log: one event per attempt, no secret in any line, no forged records."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib import audit
from devstack.browser import Browser
from tests.conftest import code_and_token, events, inbox, watch_aws_calls

FIELDS = {"audit_version", "event", "method", "outcome", "reason", "email_hash", "source_ip", "user_agent",
          "request_id", "stage", "timestamp"}


@pytest.fixture
def debug_logs(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Powertools' debug logging on, and the root logger at DEBUG."""
    monkeypatch.setenv("POWERTOOLS_DEBUG", "true")
    root = logging.getLogger()
    levels = (root.level, audit.logger.log_level)
    root.setLevel(logging.DEBUG)
    audit.logger.setLevel("DEBUG")
    yield
    root.setLevel(levels[0])
    audit.logger.setLevel(levels[1])




def test_no_secret_reaches_any_log_line(debug_logs: None, browser: Browser, new_browser: Any, user: str,
                                        capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture,
                                        audit_log: io.StringIO) -> None:
    caplog.set_level(logging.DEBUG)
    sessions: list[str] = []

    def keep_session(parsed: dict[str, Any], **_: Any) -> None:
        if parsed.get("Session"):
            sessions.append(parsed["Session"])

    watch_aws_calls("after-call.cognito-identity-provider", keep_session, ("cognito-idp",))
    browser.post("/auth/sign-in", {"email": user})
    code, _ = code_and_token(inbox(user)[0])
    code_reply = browser.post("/auth/sign-in/code", {"code": code})
    refresh_reply = browser.post("/auth/refresh")
    other = new_browser()
    other.post("/auth/sign-in", {"email": "Second.Person@Example.com"}, headers={"User-Agent": "UA"})
    code2, token = code_and_token(inbox("second.person@example.com")[0])
    link_reply = new_browser().post("/auth/sign-in/link", {"token": token})
    browser.post("/auth/sign-out")
    assert code_reply.status == link_reply.status == refresh_reply.status == 200
    secrets = {code, code2, token, *token.split("."), user, "Second.Person@Example.com",
               "second.person@example.com", *sessions}
    for reply in (code_reply, link_reply, refresh_reply):
        secrets.update(c.split(";")[0].split("=", 1)[1] for c in reply.set_cookies)
    secrets.update(v for v in browser.jar.values())
    secrets.discard("")
    secrets.discard('""')
    assert len(sessions) >= 2 and len(secrets) > 10
    out, err = capfd.readouterr()
    logged = "\n".join([out, err, caplog.text, audit_log.getvalue()])
    assert events(logged), "the audit events were not captured"
    leaks = sorted(s[:12] + "..." for s in secrets if s in logged)
    assert leaks == []


def test_one_event_per_attempt_with_every_field(browser: Browser, user: str, audit_log: io.StringIO) -> None:
    browser.post("/auth/sign-in", {"email": user}, headers={"User-Agent": "Tester/1.0"})
    code, _ = code_and_token(inbox(user)[0])
    browser.post("/auth/sign-in/code", {"code": "000000" if code != "000000" else "111111"})
    browser.post("/auth/sign-in/code", {"code": code})
    browser.post("/auth/sign-in", raw=b"{bad")
    browser.get("/auth/session")
    browser.post("/auth/refresh", headers={"Cookie": "__Secure-sesame-refresh=nope"})
    api = [e for e in events(audit_log.getvalue()) if not e["event"].startswith("trigger.")]
    assert [(e["event"], e["outcome"], e["reason"]) for e in api] == [
        ("sign_in.requested", "success", "ok"), ("sign_in.failed", "failure", "invalid_code"),
        ("sign_in.code_verified", "success", "ok"), ("sign_in.request_failed", "failure", "invalid_request"),
        ("session.checked", "success", "ok"), ("session.refresh_failed", "failure", "unauthenticated")]
    first = api[0]
    assert FIELDS <= set(first) and first["stage"] == "local" and first["audit_version"] == 1
    assert first["method"] == "email" and first["user_agent"] == "Tester/1.0" and first["source_ip"]
    assert len(first["email_hash"]) == 64 and api[1]["email_hash"] == first["email_hash"]
    assert api[2]["user_sub"] and api[2]["method"] == "code"
    assert len({e["request_id"] for e in api}) == len(api)


def test_every_trigger_decision_is_logged(browser: Browser, user: str, audit_log: io.StringIO) -> None:
    browser.post("/auth/sign-in", {"email": user})
    code, _ = code_and_token(inbox(user)[0])
    browser.post("/auth/sign-in/code", {"code": code})
    triggers = [(e["event"], e["outcome"]) for e in events(audit_log.getvalue()) if e["event"].startswith("trigger.")]
    assert triggers == [("trigger.define", "challenge"), ("trigger.create", "presented"),
                        ("trigger.verify", "correct"), ("trigger.define", "allow")]


def test_attacker_strings_cannot_forge_or_split_records(browser: Browser, user: str, audit_log: io.StringIO) -> None:
    forged = '{"audit_version":1,"event":"sign_in.code_verified","outcome":"success"}'
    # HTTP clients refuse CR/LF in headers; the body can carry them (see the email below).
    agent = "Mozilla\x85\x7f" + forged + "\t" + "x" * 500
    browser.post("/auth/sign-in", {"email": user}, headers={"User-Agent": agent})
    browser.post("/auth/sign-in", raw=json.dumps({"email": "a@example.com\n" + forged}).encode(),
                 headers={"User-Agent": "x\x1b[31mred\x00"})
    out = audit_log.getvalue()
    recorded = events(out)
    assert [e["event"] for e in recorded if not e["event"].startswith("trigger.")] == [
        "sign_in.requested", "sign_in.request_failed"]
    assert len(recorded[0]["user_agent"]) <= audit.MAX_USER_AGENT
    assert "\x1b" not in out and "\x00" not in out and "\x85" not in out
    assert recorded[-1].get("email_hash") is None  # an unparseable address is not logged at all
    assert not any(line.startswith(forged) for line in out.splitlines())


def test_clean_removes_control_characters() -> None:
    assert audit.clean("a\nb\rc\x00d\u2028e") == "a?b?c?d?e"
    assert audit.clean("x" * 1000) == "x" * audit.MAX_USER_AGENT


def test_sessions_listed_ended_and_not_me_are_audited(browser: Browser, new_browser: Any, user: str,
                                                      audit_log: io.StringIO) -> None:
    import re

    from tests.conftest import sign_in

    sign_in(browser, user)
    other = new_browser()
    sign_in(other, user)
    listed = browser.get("/auth/sessions").body["sessions"]
    browser.request("DELETE", f"/auth/sessions/{next(s['id'] for s in listed if not s['current'])}", {})
    browser.request("DELETE", "/auth/sessions", {})
    mail = next(m for m in inbox(user) if m["subject"] == "New sign-in to Sesame")
    token = re.search(r"/not-me#token=([A-Za-z0-9_.-]+)", mail["text"])
    assert token
    new_browser().post("/auth/not-me", {"token": token.group(1)})
    found = [(e["event"], e["outcome"]) for e in events(audit_log.getvalue())
             if e["event"].startswith(("session", "account"))]
    assert found == [("session.new_device", "success"), ("sessions.listed", "success"), ("session.ended", "success"),
                     ("sessions.others_ended", "success"), ("account.secured", "success")]
    assert all(e.get("user_sub") for e in events(audit_log.getvalue()) if e["event"] == "account.secured")
