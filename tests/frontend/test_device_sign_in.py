"""Signing in where typing is hard, in real Chromium: the example CLI (a real HTTP client
polling the device grant) while a person approves on /device; and a new browser signed
in from a signed-in phone by number matching."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from chalicelib import cookies, tokens
from chalicelib.oauth import clients
from tests.conftest import create_user
from tests.frontend.conftest import shot, sign_in_here, signed_in

EMAIL = "ada@example.com"
CLI = Path(__file__).resolve().parents[2] / "examples" / "sesame_login" / "sesame_login.py"


class Cli:
    """sesame_login.py in a process of its own; its output read as it comes."""

    def __init__(self, origin: str, client_id: str, config: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(CLI), "--url", origin, "--client-id", client_id, "--config-dir", str(config)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: list[str] = []
        self.number = threading.Event()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)
            if "pick the number" in line:
                self.number.set()

    def prompt(self) -> tuple[str, str]:
        """(the link with the code, the number) as printed."""
        assert self.number.wait(30), "".join(self.lines)
        text = "".join(self.lines)
        code = re.search(r"enter the code ([A-Z]{4}-[A-Z]{4})", text)
        number = re.search(r"pick the number (\d\d)", text)
        assert code and number, text
        return code.group(1), number.group(1)

    def finish(self) -> tuple[int, str]:
        status = self.process.wait(60)
        # The process has exited, but its last lines may still be in the pipe: the reader ends at EOF.
        self.reader.join(10)
        return status, "".join(self.lines)


@pytest.fixture
def device_client(origin: str, monkeypatch: pytest.MonkeyPatch) -> clients.Client:
    from chalicelib.oauth import device

    monkeypatch.setattr(device, "INTERVAL", 1)  # the CLI polls every second, not every 5: a shorter test
    create_user(EMAIL)
    return clients.add("Orders CLI", [], True, [], device=True)[0]


def _cli_at_review(context: Any, origin: str, client: clients.Client, config: Path) -> tuple[Cli, str, Any]:
    """The CLI asking, and a signed-in page reviewing its request: (the CLI, its number, the page)."""
    cli = Cli(origin, client.client_id, config)
    user_code, number = cli.prompt()
    page = context.new_page()
    _review(page, user_code)
    return cli, number, page


def _review(page: Any, user_code: str) -> None:
    """Signed out on /device: sign in first, come back, enter the code as typed (lower case, spaces)."""
    page.goto("/device")
    page.get_by_role("link", name="Sign in").click()
    sign_in_here(page, EMAIL)
    page.wait_for_url("**/device")
    page.get_by_label("Code").fill(user_code.lower().replace("-", " "))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Is this you?")).to_be_visible()


def test_a_cli_signs_in_while_chromium_approves(context: Any, origin: str, device_client: clients.Client,
                                                tmp_path: Path) -> None:
    cli, number, page = _cli_at_review(context, origin, device_client, tmp_path / "sesame")
    expect(page.get_by_text("Orders CLI on")).to_be_visible()
    expect(page.get_by_text("Approve only if you started this yourself")).to_be_visible()
    assert len(page.locator("#numbers button").all()) == 3
    shot(page, "device-01-review")
    page.get_by_role("button", name=number, exact=True).click()
    expect(page.get_by_role("heading", name="Approved")).to_be_visible()
    status, output = cli.finish()
    assert status == 0, output
    saved = tmp_path / "sesame" / "tokens.json"
    assert stat.S_IMODE(os.stat(saved).st_mode) == 0o600 and stat.S_IMODE(os.stat(saved.parent).st_mode) == 0o700

    issued = json.loads(saved.read_text())
    assert tokens.verifier("id").verify(issued["id_token"])["email"] == EMAIL
    # The session list names the device session by the app.
    page.goto("/")
    signed_in(page)
    expect(page.locator("#sessions")).to_contain_text("Orders CLI · device sign-in")


def test_a_wrong_number_denies_the_cli(context: Any, origin: str, device_client: clients.Client,
                                       tmp_path: Path) -> None:
    cli, number, page = _cli_at_review(context, origin, device_client, tmp_path / "sesame")
    wrong = next(b for b in page.locator("#numbers button").all_text_contents() if b != number)
    page.get_by_role("button", name=wrong, exact=True).click()
    expect(page.get_by_role("heading", name="Denied: the number did not match")).to_be_visible()
    status, output = cli.finish()
    assert status == 2 and "denied" in output, output
    assert not (tmp_path / "sesame" / "tokens.json").exists()


def test_a_new_browser_is_signed_in_from_a_signed_in_phone(chromium: Any, context: Any, origin: str) -> None:
    create_user(EMAIL)
    phone = context.new_page()
    phone.goto("/")
    sign_in_here(phone, EMAIL)
    signed_in(phone)
    before = {c["name"]: c["value"] for c in context.cookies() if c["name"] != cookies.FLOW}
    laptop_context = chromium.new_context(viewport={"width": 900, "height": 760}, base_url=origin)
    try:
        laptop = laptop_context.new_page()
        laptop.goto("/")
        laptop.get_by_role("button", name="Sign in with your phone").click()
        expect(laptop.get_by_role("heading", name="Sign in with your phone")).to_be_visible()
        number = laptop.locator("#phone-number").inner_text()
        url = laptop.locator("#phone-url").inner_text()
        assert re.fullmatch(r"\d\d", number) and laptop.locator("#phone-qr").get_attribute("src").startswith("data:")
        shot(laptop, "phone-01-waiting")
        phone.goto(url)
        expect(phone.get_by_role("heading", name="Is this you?")).to_be_visible()
        phone.get_by_role("button", name=number, exact=True).click()
        expect(phone.get_by_role("heading", name="Approved")).to_be_visible()
        signed_in(laptop)  # the waiting page noticed (it asks every 2 s) and went on
        expect(laptop.locator("#account-email")).to_have_text(EMAIL)
        after = {c["name"]: c["value"] for c in context.cookies() if c["name"] != cookies.FLOW}
        assert after == before  # the approver's cookies: unchanged
        assert any(c["name"] == cookies.ACCESS for c in laptop_context.cookies())
    finally:
        laptop_context.close()
