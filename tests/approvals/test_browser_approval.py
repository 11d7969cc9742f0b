"""Approving a new browser from a signed-in one, through HTTP: the session goes to the
browser that asked (its cookie), once; the approver's own cookies do not change."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from chalicelib import cookies
from tests.conftest import inbox, sign_in


@pytest.fixture
def approver(browser: Any, user: str) -> Any:
    sign_in(browser, user)
    return browser


def _start(waiting: Any) -> dict[str, Any]:
    started = waiting.post("/auth/sign-in/phone")
    assert started.status == 201, started.body
    assert started.cookie(cookies.APPROVAL)["samesite"] == "Strict"
    return dict(started.body)


def _code(started: dict[str, Any]) -> str:
    return parse_qs(urlsplit(started["url"]).query)["code"][0]


def test_the_waiting_browser_gets_the_session_and_the_approver_keeps_its_own(approver: Any, new_browser: Any,
                                                                             user: str) -> None:
    waiting = new_browser()
    started = _start(waiting)
    assert started["qr"].startswith("data:image/svg+xml") and started["interval"] <= 2
    assert urlsplit(started["url"]).path == "/device" and len(_code(started)) == 24
    assert waiting.post("/auth/sign-in/phone/status").body == {"status": "pending"}
    before = dict(approver.jar)
    review = approver.post("/auth/approvals/lookup", {"code": _code(started)})
    assert review.body["kind"] == "browser" and started["number"] in review.body["numbers"]
    decided = approver.post("/auth/approvals/decide", {"code": _code(started), "number": started["number"]})
    assert decided.body["status"] == "approved" and decided.set_cookies == []
    assert approver.jar == before  # nothing for the approver
    secret = waiting.jar[cookies.APPROVAL]
    signed_in = waiting.post("/auth/sign-in/phone/status")
    assert signed_in.status == 200 and signed_in.body["status"] == "approved", signed_in.body
    assert signed_in.body["user"]["email"] == user
    assert waiting.get("/auth/session").body["user"]["email"] == user
    assert cookies.APPROVAL not in waiting.jar
    # Once: the request is used up.
    waiting.jar[cookies.APPROVAL] = secret
    assert waiting.post("/auth/sign-in/phone/status").status == 404
    methods = [s["method"] for s in approver.get("/auth/sessions").body["sessions"]]
    assert sorted(methods) == ["approval", "code"]
    assert "approved a sign-in" in inbox(user)[0]["text"]


def test_only_the_browser_that_asked_gets_the_session(approver: Any, new_browser: Any) -> None:
    waiting, other = new_browser(), new_browser()
    started = _start(waiting)
    stolen = {cookies.APPROVAL: "guess"}
    other.jar.update(stolen)
    approver.post("/auth/approvals/decide", {"code": _code(started), "number": started["number"]})
    assert other.post("/auth/sign-in/phone/status").status == 404
    assert other.get("/auth/session").status == 401
    assert waiting.post("/auth/sign-in/phone/status").body["status"] == "approved"


def test_a_wrong_number_denies_the_waiting_browser(approver: Any, new_browser: Any) -> None:
    waiting = new_browser()
    started = _start(waiting)
    numbers = approver.post("/auth/approvals/lookup", {"code": _code(started)}).body["numbers"]
    wrong = next(n for n in numbers if n != started["number"])
    assert approver.post("/auth/approvals/decide", {"code": _code(started), "number": wrong}).body["status"] == "denied"
    assert waiting.post("/auth/sign-in/phone/status").body == {"status": "denied"}
    assert waiting.get("/auth/session").status == 401


def test_bad_decisions_get_a_clear_400(approver: Any, new_browser: Any) -> None:
    started = _start(new_browser())
    for body in ({"code": _code(started), "number": "123"}, {"code": _code(started), "number": 7}, {"number": "12"}):
        reply = approver.post("/auth/approvals/decide", body)
        assert reply.status == 400 and reply.body["error"]["code"] == "invalid_request", (body, reply.body)
