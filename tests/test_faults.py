"""The fault matrix: each route, with each AWS call it makes (its own and its
triggers') failing once, as an AWS error and as a timeout after AWS did the
work. Whatever fails, the answer is the route's own or ``503 unavailable``
(never a 500, a traceback or a misleading 401), and nothing is half-done:

- no email for a challenge that was not stored, no challenge left for an email never sent;
- no limiter bucket charged by a request that failed;
- no credential consumed by a request that signed nobody in;
- sign-out clears the cookies whatever fails.

Every outcome is written in docs/fault-matrix.md, which this module checks
(``SESAME_WRITE_FAULT_MATRIX=1`` rewrites it).
"""

from __future__ import annotations

import fcntl
import itertools
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from chalicelib import appclient, aws, params
from chalicelib.approvals import store
from chalicelib.config import settings
from chalicelib.signin import addresses
from devstack import stack as devstack
from devstack.browser import Browser, Reply
from tests.conftest import code_and_token, create_user, inbox, sign_in
from tests.faults import KINDS, TRIGGERS, Call, Injector

DOC = Path(__file__).resolve().parent.parent / "docs" / "fault-matrix.md"
NOT_ME = re.compile(r"/not-me#token=([A-Za-z0-9_.-]+)")
ALL_COOKIES = ("__Host-sesame-access", "__Host-sesame-id", "__Secure-sesame-refresh", "__Host-sesame-flow")
_emails = itertools.count()
MATRIX, END = "<!-- matrix -->\n", "<!-- /matrix -->"
HEADER = ("| Route | Step | AWS call | Error | Timeout |", "|---|---|---|---|---|")


@dataclass
class Case:
    """One run of a route: its browsers and what the preparation left for the request."""

    browser: Browser
    other: Browser
    email: str
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Route:
    label: str
    normal: int
    prepare: Callable[[Case], None]
    request: Callable[[Case], Reply]
    intact: Callable[[Case], None]  # after a 503, with AWS healthy again: nothing was lost


def _signed_in(case: Case) -> None:
    sign_in(case.browser, case.email)


def _mailed(case: Case) -> None:
    assert case.browser.post("/auth/sign-in", {"email": case.email}).status == 202
    case.values["code"], case.values["token"] = code_and_token(inbox(case.email)[0])


def _new_device_link(case: Case) -> None:
    sign_in(case.browser, case.email)
    sign_in(case.other, case.email)  # a second browser: the account is told, with a not-me link
    found = [NOT_ME.search(m["text"]) for m in inbox(case.email)]
    case.values["not_me"] = next(m.group(1) for m in found if m)


def _step_up_mailed(case: Case) -> None:
    sign_in(case.browser, case.email)
    assert case.browser.post("/auth/step-up").status == 200
    case.values["code"], _ = code_and_token(inbox(case.email)[0])


def _change_mailed(case: Case) -> None:
    sign_in(case.browser, case.email)
    assert case.browser.post("/auth/account/email", {"email": f"moved-{case.email}"}).status == 202
    case.values["code"], _ = code_and_token(inbox(f"moved-{case.email}")[0])


def _again(path: str, status: int) -> Callable[[Case], None]:
    """The same code works again: the failed request gave its challenge back."""
    def check(case: Case) -> None:
        assert case.browser.post(path, {"code": case.values["code"]}).status == status, "the code was lost"
    return check


def _phone_approved(case: Case) -> None:
    """A new browser (``other``) asked to be signed in from a phone, and the phone (``browser``) approved."""
    sign_in(case.browser, case.email)
    started = case.other.post("/auth/sign-in/phone").body
    code = parse_qs(urlsplit(started["url"]).query)["code"][0]
    decided = case.browser.post("/auth/approvals/decide", {"code": code, "number": started["number"]})
    assert decided.body["status"] == "approved"


def _phone_signs_in_again(case: Case) -> None:
    """The waiting browser gets its session on its next ask: the failed ask gave the request back."""
    saved, store.CLAIM_FOR = store.CLAIM_FOR, -1  # a claim the failed ask left is a dead call's: no 30 s wait
    try:
        reply = case.other.post("/auth/sign-in/phone/status")
    finally:
        store.CLAIM_FOR = saved
    assert reply.status == 200 and reply.body.get("status") == "approved", reply.body


def _change_asked_again(case: Case) -> None:
    assert case.browser.post("/auth/account/email", {"email": f"moved-{case.email}"}).status == 202


def _deleted_or_deletable(case: Case) -> None:
    """Either the account is gone (AWS did the work, the answer was lost), or its owner
    can sign in again and delete it."""
    try:
        aws.client("cognito-idp").admin_get_user(UserPoolId=settings().user_pool_id, Username=case.email)
    except aws.client("cognito-idp").exceptions.UserNotFoundException:
        return
    if case.browser.get("/auth/session").status != 200:
        sign_in(case.browser, case.email)
    assert case.browser.request("DELETE", "/auth/account", {}).status == 204


def _limiter_and_challenge(email: str) -> dict[str, Any]:
    """The DynamoDB items a sign-in request writes: its limiter buckets, and the
    account's pointer when it names a challenge ("none" is as good as no pointer)."""
    email_hash = addresses.email_hash(email)
    items = aws.client("dynamodb").scan(TableName=settings().table)["Items"]
    return {i["pk"]["S"]: i for i in items
            if i["pk"]["S"].startswith("rl#sign_in")
            or (i["pk"]["S"] == f"account#{email_hash}" and i["challenge"]["S"] != "none")}


def _sign_in_intact(case: Case) -> None:
    # Only a send that timed out after SES took the message leaves an email; its code must be dead.
    for message in inbox(case.email):
        code, _ = code_and_token(message)
        assert case.browser.post("/auth/sign-in/code", {"code": code}).status == 401, "a failed request's code works"
    assert _limiter_and_challenge(case.email) == case.values["before"], "the request left a trace"
    mailed = len(inbox(case.email))
    assert case.browser.post("/auth/sign-in", {"email": case.email}).status == 202
    assert len(inbox(case.email)) == mailed + 1


def _before_sign_in(case: Case) -> None:
    case.values["before"] = _limiter_and_challenge(case.email)


def _redeems(path: str, value: str, who: Callable[[Case], Browser]) -> Callable[[Case], None]:
    def check(case: Case) -> None:
        body = {"code": case.values[value]} if value == "code" else {"token": case.values[value]}
        reply = who(case).post(path, body)
        assert reply.status == 200, "the credential was consumed by a request that signed nobody in"
        if path != "/auth/not-me":  # and the failed attempt left no session in the user's list
            assert len(who(case).get("/auth/sessions").body["sessions"]) == 1
    return check


def _works(method: str, path: str, status: int) -> Callable[[Case], None]:
    def check(case: Case) -> None:
        assert case.browser.request(method, path, {} if method != "GET" else None).status == status
    return check


ROUTES = [
    Route("POST /auth/sign-in", 202, _before_sign_in,
          lambda c: c.browser.post("/auth/sign-in", {"email": c.email}), _sign_in_intact),
    Route("POST /auth/sign-in/code", 200, _mailed,
          lambda c: c.browser.post("/auth/sign-in/code", {"code": c.values["code"]}),
          _redeems("/auth/sign-in/code", "code", lambda c: c.browser)),
    Route("POST /auth/sign-in/link", 200, _mailed,
          lambda c: c.other.post("/auth/sign-in/link", {"token": c.values["token"]}),
          _redeems("/auth/sign-in/link", "token", lambda c: c.other)),
    Route("POST /auth/sign-in/link/preview", 200, _mailed,
          lambda c: c.other.post("/auth/sign-in/link/preview", {"token": c.values["token"]}),
          _redeems("/auth/sign-in/link", "token", lambda c: c.other)),
    Route("GET /auth/session", 200, _signed_in, lambda c: c.browser.get("/auth/session"),
          _works("GET", "/auth/session", 200)),
    Route("POST /auth/refresh", 200, _signed_in, lambda c: c.browser.post("/auth/refresh"),
          _works("POST", "/auth/refresh", 200)),
    Route("POST /auth/sign-out", 204, _signed_in, lambda c: c.browser.post("/auth/sign-out"),
          lambda c: None),
    Route("GET /auth/sessions", 200, _signed_in, lambda c: c.browser.get("/auth/sessions"),
          _works("GET", "/auth/sessions", 200)),
    Route("DELETE /auth/sessions", 204, _signed_in, lambda c: c.browser.request("DELETE", "/auth/sessions", {}),
          _works("DELETE", "/auth/sessions", 204)),
    Route("POST /auth/not-me", 200, _new_device_link,
          lambda c: c.other.post("/auth/not-me", {"token": c.values["not_me"]}),
          _redeems("/auth/not-me", "not_me", lambda c: c.other)),
    Route("POST /auth/passkeys/registration-options", 200, _signed_in,
          lambda c: c.browser.post("/auth/passkeys/registration-options"),
          _works("POST", "/auth/passkeys/registration-options", 200)),
    Route("GET /auth/passkeys", 200, _signed_in, lambda c: c.browser.get("/auth/passkeys"),
          _works("GET", "/auth/passkeys", 200)),
    Route("POST /auth/step-up", 200, _signed_in, lambda c: c.browser.post("/auth/step-up"),
          _works("POST", "/auth/step-up", 200)),
    Route("POST /auth/step-up/code", 204, _step_up_mailed,
          lambda c: c.browser.post("/auth/step-up/code", {"code": c.values["code"]}),
          _again("/auth/step-up/code", 204)),
    Route("POST /auth/account/email", 202, _signed_in,
          lambda c: c.browser.post("/auth/account/email", {"email": f"moved-{c.email}"}), _change_asked_again),
    Route("POST /auth/account/email/code", 200, _change_mailed,
          lambda c: c.browser.post("/auth/account/email/code", {"code": c.values["code"]}),
          _again("/auth/account/email/code", 200)),
    Route("POST /auth/sign-in/phone/status", 200, _phone_approved,
          lambda c: c.other.post("/auth/sign-in/phone/status"), _phone_signs_in_again),
    Route("DELETE /auth/account", 204, _signed_in, lambda c: c.browser.request("DELETE", "/auth/account", {}),
          _deleted_or_deletable),
]


@pytest.fixture(scope="module")
def injector(_embedded_aws: devstack.LocalStack) -> Injector:
    return Injector()


def _run(route: Route, browser: Browser, other: Browser, injector: Injector, fail_at: int = 0,
         kind: str = "error") -> tuple[Case, Reply, list[Call]]:
    email = f"fault{next(_emails)}@example.com"
    create_user(email)
    case = Case(browser, other, email)
    route.prepare(case)
    # Cold caches, so the secrets (SSM) and the app client (Cognito) are among the calls.
    params.clear()
    appclient.clear()
    injector.install()
    injector.start(fail_at, kind)
    try:
        reply = route.request(case)
    finally:
        calls = injector.stop()
    return case, reply, calls


def _check(route: Route, case: Case, reply: Reply, failed: Call, kind: str) -> str:
    assert reply.status in (route.normal, 503), f"{failed} ({kind}): {reply.status} {reply.text[:200]}"
    if failed.role in TRIGGERS:  # Cognito retries a trigger that fails: the request succeeds
        assert reply.status == route.normal, f"{failed} ({kind}): not retried"
    if route.label == "POST /auth/sign-out":
        cleared = {c.split("=", 1)[0] for c in reply.set_cookies if "Max-Age=0" in c}
        assert cleared >= set(ALL_COOKIES), f"{failed} ({kind}): sign-out left cookies"
    if reply.status == 503:
        assert reply.body == {"error": {"code": "unavailable", "message": reply.body["error"]["message"]}}
        assert not [c for c in reply.set_cookies if c.startswith("__Host-sesame-access=") and "Max-Age=0" not in c]
        route.intact(case)
    return str(reply.status)


@pytest.mark.parametrize("route", ROUTES, ids=[r.label for r in ROUTES])
def test_every_aws_call_failing_once(route: Route, api: str, stack: devstack.LocalStack, injector: Injector,
                                     new_browser: Any) -> None:
    _, reply, calls = _run(route, new_browser(), new_browser(), injector)
    assert reply.status == route.normal and calls, reply.text
    rows = []
    for number, call in enumerate(calls, start=1):
        answers = []
        for kind in KINDS:
            case, reply, seen = _run(route, new_browser(), new_browser(), injector, number, kind)
            assert injector.failed == call, f"the calls changed: {seen}"
            answers.append(_check(route, case, reply, call, kind))
        rows.append(f"| `{route.label}` | {number} | `{call}` | {answers[0]} | {answers[1]} |")
    if os.environ.get("SESAME_WRITE_FAULT_MATRIX") == "1":
        _rewrite(route.label, rows)
    assert _documented().get(route.label) == rows, \
        "docs/fault-matrix.md is stale: SESAME_WRITE_FAULT_MATRIX=1 rewrites it"


def _documented() -> dict[str, list[str]]:
    """The table's rows by route, in the order the document gives them."""
    text = DOC.read_text()
    start, end = text.index(MATRIX) + len(MATRIX), text.index(END)
    rows: dict[str, list[str]] = {}
    for line in text[start:end].splitlines()[2:]:
        rows.setdefault(line.split("`")[1], []).append(line)
    return rows


def _rewrite(label: str, rows: list[str]) -> None:
    # Each route's test runs wherever pytest-xdist puts it: the lock keeps two rewrites apart.
    with DOC.open("r+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        documented = _documented() | {label: rows}
        lines = [*HEADER, *(row for r in ROUTES for row in documented.get(r.label, []))]
        text = handle.read()
        start, end = text.index(MATRIX) + len(MATRIX), text.index(END)
        handle.seek(0)
        handle.write(text[:start] + "\n".join(lines) + "\n" + text[end:])
        handle.truncate()


def test_the_documented_matrix_has_every_route_in_order() -> None:
    assert list(_documented()) == [r.label for r in ROUTES]
