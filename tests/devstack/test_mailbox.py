"""The dev mailbox: both parts of every email, newest first, local stage only."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from devstack.browser import Browser
from infra.settings import stage_environment
from tests.conftest import code_and_token

ROOT = Path(__file__).resolve().parents[2]


def test_lists_text_and_html_newest_first_and_filters(browser: Browser, user: str) -> None:
    browser.post("/auth/sign-in", {"email": user})
    browser.post("/auth/sign-in", {"email": "someone@example.com"})
    everything = browser.get("/dev/mailbox").body["messages"]
    assert [m["to"] for m in everything] == [["someone@example.com"], [user]]
    ada = browser.get(f"/dev/mailbox?to={user.upper()}").body["messages"]
    assert len(ada) == 1
    message = ada[0]
    assert set(message) == {"to", "subject", "text", "html", "sent_at"}
    code, token = code_and_token(message)
    assert code in message["html"] and token in message["html"]
    assert message["html"].lstrip().startswith("<!doctype html>")
    assert message["sent_at"].endswith("+00:00")


def test_page_for_people_shows_the_mail_with_clickable_links(browser: Browser, user: str) -> None:
    browser.post("/auth/sign-in", {"email": user})
    page = browser.get(f"/dev/mailbox/view?to={user}")
    assert page.status == 200 and page.headers["Content-Type"].startswith("text/html")
    _, token = code_and_token(browser.get("/dev/mailbox").body["messages"][0])
    assert "<iframe" in page.text and token in page.text  # the HTML part, escaped into srcdoc
    assert "&lt;base target=&quot;_top&quot;&gt;" in page.text  # links open in the tab


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_mailbox_routes_do_not_exist_in_deployed_stages(stage: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SESAME_")}
    env.update(stage_environment(stage))
    assert "SESAME_DEV_MAILBOX" not in stage_environment(stage)
    script = "import json, app; print(json.dumps(sorted(app.app.routes)))"
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    routes = json.loads(done.stdout)
    assert "/auth/sign-in" in routes
    assert not [r for r in routes if r == "/dev" or r.startswith("/dev/")]  # (/device is the approval page)


def test_mailbox_routes_exist_in_the_local_stage() -> None:
    assert stage_environment("local")["SESAME_DEV_MAILBOX"] == "1"


def test_health_reports_ready(browser: Browser, stack: Any) -> None:
    assert browser.get("/auth/health").body == {"status": "ok"}


def test_keeps_the_newest_messages_only(browser: Browser, monkeypatch: pytest.MonkeyPatch) -> None:
    # SES keeps no sent mail; moto kept every message, so make dev's memory grew with each sign-in.
    from devstack import ses

    monkeypatch.setattr(ses, "KEPT", 2)
    addresses = [f"kept{i}@example.com" for i in range(4)]
    for address in addresses:
        assert browser.post("/auth/sign-in", {"email": address}).status == 202
    assert [m["to"] for m in browser.get("/dev/mailbox").body["messages"]] == [[addresses[3]], [addresses[2]]]
    assert browser.get(f"/dev/mailbox?to={addresses[0]}").body["messages"] == []
