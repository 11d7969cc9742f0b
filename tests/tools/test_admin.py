"""`sesame-admin`, the real command, against the embedded AWS (its own process,
pointed at the test stack through the state file `make dev` writes)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from chalicelib.config import settings
from devstack.browser import Browser
from devstack.mailbox import link_token
from devstack.stack import LocalStack
from tests.conftest import code_and_token, create_user, inbox, sign_in

Admin = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def admin(stack: LocalStack, api: str, tmp_path: Path) -> Admin:
    state = tmp_path / "local.json"
    stack.write_state(state)
    command = str(Path(sys.executable).parent / "sesame-admin")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([command, "--stage", "local", *args], capture_output=True, text=True, timeout=120,
                              env={"PATH": "/usr/bin:/bin", "SESAME_DEVSTACK_STATE": str(state)})
    return run


def ok(done: subprocess.CompletedProcess[str]) -> Any:
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if done.stdout.lstrip().startswith(("{", "[")) else done.stdout


def test_invite_makes_a_proven_account_that_signs_in_under_closed_sign_up(
        admin: Admin, stack: LocalStack, idp: Any, browser: Browser) -> None:
    stack.overrides["SESAME_SIGN_UP"] = "closed"
    try:
        account = ok(admin("--json", "invite", "New.Person@Example.com", "--send"))
        assert account["email"] == "new.person@example.com" and account["status"] == "CONFIRMED"
        user = idp.admin_get_user(UserPoolId=settings().user_pool_id, Username="new.person@example.com")
        assert user["UserStatus"] == "CONFIRMED"  # never FORCE_CHANGE_PASSWORD
        reply = browser.post("/auth/sign-in/link", {"token": link_token(inbox("new.person@example.com")[0])})
        assert reply.status == 200 and reply.body["user"]["email"] == "new.person@example.com"
        assert admin("invite", "new.person@example.com").returncode == 2  # exists already
    finally:
        stack.overrides.pop("SESAME_SIGN_UP")


def test_list_show_and_the_session_details(admin: Admin, browser: Browser, user: str) -> None:
    sign_in(browser, user)
    listed = ok(admin("--json", "list"))
    assert [a["email"] for a in listed] == [user]
    shown = ok(admin("--json", "show", user))
    assert shown["email"] == user and shown["enabled"] is True and shown["last_sign_in"]
    assert [s["method"] for s in shown["sessions"]] == ["code"] and shown["passkeys"] == []
    text = ok(admin("show", user))
    assert "sessions:     1" in text and "code" in text
    assert "secret" not in json.dumps(shown).lower()


def test_disable_ends_every_session_and_sign_in_answers_like_any_other(
        admin: Admin, browser: Browser, new_browser: Any, user: str) -> None:
    sign_in(browser, user)
    old = new_browser()
    assert old.post("/auth/sign-in", {"email": user}).status == 202
    old_code, old_link = code_and_token(inbox(user)[0])
    ok(admin("disable", user))
    assert browser.get("/auth/session").status == 401 and browser.post("/auth/refresh").status == 401
    assert old.post("/auth/sign-in/code", {"code": old_code}).status == 401  # mailed before: never a session
    assert new_browser().post("/auth/sign-in/link", {"token": old_link}).status == 401
    before = len(inbox(user))
    reply = new_browser().post("/auth/sign-in", {"email": user})
    stranger = new_browser().post("/auth/sign-in", {"email": "nobody@example.com"})
    assert (reply.status, reply.body) == (stranger.status, stranger.body) == (202, {"status": "sent"})
    newest = inbox(user)[0]
    assert len(inbox(user)) == before + 1 and not any(ch.isdigit() for ch in newest["text"].split("http")[0][-20:])
    assert "/sign-in/link#token=" not in newest["text"]  # no code, no link
    assert [a["email"] for a in ok(admin("--json", "list", "--disabled"))] == [user]
    ok(admin("enable", user))
    sign_in(new_browser(), user)


def test_sign_out_and_delete(admin: Admin, browser: Browser, idp: Any, user: str) -> None:
    sign_in(browser, user)
    ok(admin("sign-out", user))
    assert browser.get("/auth/session").status == 401
    sign_in(browser, user)
    said = ok(admin("delete", user, "--yes"))
    assert said.startswith(f"delete: {user}: removed the account, 1 session(s), 0 passkey(s),")
    assert browser.get("/auth/session").status == 401
    assert idp.list_users(UserPoolId=settings().user_pool_id)["Users"] == []
    assert admin("show", user).returncode == 2


@pytest.mark.parametrize(("args", "code", "says"), [
    (("show", "nobody@example.com"), 2, "no account for nobody@example.com"),
    (("disable", "not an address"), 2, "not a valid email address"),
    (("list", "--limit", "0"), 2, "--limit must be between 1 and 1000"),
])
def test_errors_are_one_line_and_a_non_zero_exit(admin: Admin, args: tuple[str, ...], code: int, says: str) -> None:
    done = admin(*args)
    assert done.returncode == code and says in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_without_a_running_stack_it_says_so(tmp_path: Path) -> None:
    done = subprocess.run([str(Path(sys.executable).parent / "sesame-admin"), "--stage", "local", "list"],
                          capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "SESAME_DEVSTACK_STATE": str(tmp_path / "none.json")})
    assert done.returncode == 2 and "no local stack is running" in done.stderr and "Traceback" not in done.stderr


def test_every_command_writes_an_audit_event_with_the_caller(admin: Admin, user: str) -> None:
    done = admin("disable", user)
    events = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{") and "audit_version" in line]
    assert [(e["event"], e["caller"]) for e in events] == [("admin.disable", "local")]
    assert user not in done.stderr and events[0]["email_hash"]


def test_invite_send_within_the_addresss_minute_creates_nothing_and_says_so(
        real_limits: None, admin: Admin, browser: Browser, idp: Any) -> None:
    email = "soon@example.com"
    assert browser.post("/auth/sign-in", {"email": email}).status == 202  # the address's minute is used now
    done = admin("invite", email, "--send")
    assert done.returncode == 2 and "nothing was created" in done.stderr, done.stderr
    assert idp.list_users(UserPoolId=settings().user_pool_id)["Users"] == []


def test_resend_mails_an_invited_account_that_never_signed_in(admin: Admin, browser: Browser) -> None:
    email = "later@example.com"
    ok(admin("invite", email))
    assert inbox(email) == []
    ok(admin("invite", email, "--resend"))
    assert browser.post("/auth/sign-in/link", {"token": link_token(inbox(email)[0])}).status == 200
    again = admin("invite", email, "--resend")
    assert again.returncode == 2 and "signed in already" in again.stderr


def test_disable_and_enable_print_the_state_after_and_say_when_nothing_changed(admin: Admin, user: str) -> None:
    done = ok(admin("--json", "disable", user))
    assert done["enabled"] is False and "note" not in done  # the state after the change
    assert ok(admin("disable", user)).strip() == f"disable: {user} (disabled): already disabled, nothing changed"
    assert ok(admin("--json", "enable", user))["enabled"] is True
    assert "already enabled" in ok(admin("enable", user))


def test_delete_asks_first_and_without_a_terminal_needs_yes(admin: Admin, user: str) -> None:
    refused = admin("delete", user)  # no terminal here: nobody to ask
    assert refused.returncode == 2 and "--yes" in refused.stderr and "Traceback" not in refused.stderr
    assert ok(admin("--json", "show", user))["email"] == user  # nothing was deleted
    assert ok(admin("--json", "delete", user, "--yes"))["email"] == user
    assert admin("show", user).returncode == 2


def test_text_output_has_no_python_reprs_and_whole_seconds(admin: Admin, user: str) -> None:
    shown = ok(admin("show", user))
    assert "True" not in shown and "None" not in shown
    assert "enabled:      yes" in shown and "last_sign_in: never" in shown
    created = re.search(r"created:\s+(\S+)", shown)
    assert created and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", created.group(1))
    listed = ok(admin("list")).splitlines()
    assert listed[0].split() == ["EMAIL", "STATUS", "STATE", "CREATED"] and user in listed[1]


def test_options_go_before_or_after_the_command_and_the_stage_may_come_from_the_environment(
        admin: Admin, user: str, stack: LocalStack, tmp_path: Path) -> None:
    state = tmp_path / "local.json"
    stack.write_state(state)
    command = str(Path(sys.executable).parent / "sesame-admin")

    def raw(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([command, *args], capture_output=True, text=True, timeout=120,
                              env={"PATH": "/usr/bin:/bin", "SESAME_DEVSTACK_STATE": str(state), **env})

    assert [a["email"] for a in ok(raw("list", "--json", "--stage", "local"))] == [user]
    assert [a["email"] for a in ok(raw("--json", "list", SESAME_STAGE="local"))] == [user]
    for refused in (raw("list"), raw("--stage", "local", "list", "--colour")):  # no stage; an unknown option
        assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1
        assert refused.stderr.startswith("sesame-admin: ")


def test_a_state_file_left_by_a_killed_stack_is_no_running_stack(stack: LocalStack, tmp_path: Path) -> None:
    state = tmp_path / "local.json"
    stack.write_state(state)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    state.write_text(state.read_text().replace(f'"pid": {os.getpid()}', f'"pid": {int(dead.stdout)}'))
    done = subprocess.run([str(Path(sys.executable).parent / "sesame-admin"), "--stage", "local", "list"],
                          capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "SESAME_DEVSTACK_STATE": str(state)})
    assert done.returncode == 2 and "no local stack is running" in done.stderr


def test_list_says_when_limit_hid_accounts(admin: Admin, user: str) -> None:
    create_user("bob@example.com")
    done = admin("--json", "list", "--limit", "1")
    assert len(ok(done)) == 1 and "more accounts than --limit 1" in done.stderr
    everything = admin("--json", "list", "--limit", "2")
    assert len(ok(everything)) == 2 and "more accounts" not in everything.stderr


def _at_a_terminal(state: Path, *args: str, answer: bytes = b"") -> str:
    """Run sesame-admin with its stdin and stderr on a terminal (a pty); what the terminal showed."""
    import pty

    main, side = pty.openpty()
    done = subprocess.Popen([str(Path(sys.executable).parent / "sesame-admin"), "--stage", "local", *args],
                            stdin=side, stdout=side, stderr=side, env={"PATH": "/usr/bin:/bin",
                                                                       "SESAME_DEVSTACK_STATE": str(state)})
    os.close(side)
    if answer:
        os.write(main, answer)
    shown = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the other side closed: the command is done
            break
        if not chunk:
            break
        shown += chunk
    done.wait(timeout=120)
    os.close(main)
    return shown.decode()


def test_at_a_terminal_the_audit_event_is_one_short_line(stack: LocalStack, user: str, tmp_path: Path) -> None:
    state = tmp_path / "local.json"
    stack.write_state(state)
    quiet = _at_a_terminal(state, "disable", user)
    assert f"disable: {user} (disabled)" in quiet and "audit: admin.disable" in quiet
    assert "{" not in quiet  # no JSON event, no metric
    verbose = _at_a_terminal(state, "enable", user, "--verbose")
    assert '"event": "admin.enable"' in verbose or '"event":"admin.enable"' in verbose


def test_at_a_terminal_delete_asks_and_no_keeps_the_account(stack: LocalStack, user: str, tmp_path: Path) -> None:
    state = tmp_path / "local.json"
    stack.write_state(state)
    shown = _at_a_terminal(state, "delete", user, answer=b"n\n")
    assert f"Delete {user} for good" in shown and "not deleted" in shown
    assert "Traceback" not in shown


def test_list_marks_an_unproven_sign_up_the_clean_up_will_remove(admin: Admin, user: str) -> None:
    from chalicelib.account import signups

    signups.create("half.way@example.com")  # a sign-up whose code was never redeemed
    rows = {row["email"]: row for row in ok(admin("--json", "list"))}
    assert rows["half.way@example.com"]["status"] == "UNPROVEN"
    assert rows["half.way@example.com"]["note"] == "unproven sign-up: removed 24 h after it was made"
    assert "note" not in rows[user]
    text = ok(admin("list"))
    assert "(unproven sign-up: removed 24 h after it was made)" in text
