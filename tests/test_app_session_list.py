"""Sessions people can see and end, the new-device email, "this wasn't me",
and no personal data in cookies."""

from __future__ import annotations

import base64
import re
import time
from typing import Any

import pytest

from chalicelib import aws, denylist, tokens
from chalicelib.config import settings
from chalicelib.sessions import records
from devstack.browser import Browser
from sesame_verify import CognitoJwtVerifier, RevokedTokenError
from tests.conftest import code_and_token, inbox, watch_aws_calls

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/17.5 Safari/605.1.15")


def signed_in(browser: Browser, email: str, agent: str = FIREFOX, by: str = "code") -> Any:
    assert browser.post("/auth/sign-in", {"email": email}).status == 202
    code, token = code_and_token(next(m for m in inbox(email) if "code" in m["subject"].lower()
                                      or "account" in m["subject"].lower()))
    headers = {"User-Agent": agent}
    reply = (browser.post("/auth/sign-in/code", {"code": code}, headers=headers) if by == "code"
             else browser.post("/auth/sign-in/link", {"token": token}, headers=headers))
    assert reply.status == 200, reply.body
    return reply


def new_device_mails(email: str) -> list[dict[str, Any]]:
    return [m for m in inbox(email) if m["subject"] == "New sign-in to Sesame"]


def test_the_list_shows_each_browser_newest_first(browser: Browser, new_browser: Any, user: str) -> None:
    signed_in(browser, user, FIREFOX)
    other = new_browser()
    signed_in(other, user, SAFARI, by="link")
    reply = other.get("/auth/sessions")
    assert reply.status == 200
    listed = reply.body["sessions"]
    assert [s["device"] for s in listed] == ["Safari on Mac OS X", "Firefox on Windows"]
    assert [s["current"] for s in listed] == [True, False] and [s["method"] for s in listed] == ["link", "code"]
    assert set(listed[0]) == {"id", "current", "method", "device", "ip", "created_at", "last_seen_at", "app"}
    assert listed[0]["app"] is None  # a browser's session, not an app's
    assert listed[0]["ip"] == "127.0.0.1" and listed[0]["created_at"].endswith("+00:00")
    assert [s["current"] for s in browser.get("/auth/sessions").body["sessions"]] == [False, True]


def test_listing_needs_a_session_and_never_scans(browser: Browser, user: str) -> None:
    assert (browser.get("/auth/sessions").status, browser.get("/auth/sessions").body["error"]["code"]) == \
        (401, "unauthenticated")
    signed_in(browser, user)
    calls: list[str] = []
    watch_aws_calls("before-call", lambda model, **_: calls.append(model.name), ("dynamodb",))
    assert browser.get("/auth/sessions").status == 200
    assert "Query" in calls and "Scan" not in calls


def test_ending_one_session_ends_it_everywhere_and_leaves_the_others(
        browser: Browser, new_browser: Any, user: str) -> None:
    signed_in(browser, user)
    other = new_browser()
    signed_in(other, user, SAFARI)
    third = new_browser()
    signed_in(third, user)
    victim = next(s for s in browser.get("/auth/sessions").body["sessions"] if s["device"].startswith("Safari"))
    stolen_access = other.jar["__Host-sesame-access"]
    assert browser.request("DELETE", f"/auth/sessions/{victim['id']}", {}).status == 204
    assert other.get("/auth/session").status == 401
    assert other.post("/auth/refresh").status == 401  # its refresh token refreshes nothing
    verifier = CognitoJwtVerifier(settings().user_pool_id, settings().client_id, "access",
                                  issuer=settings().issuer, jwks_uri=settings().jwks_uri,
                                  is_revoked=denylist.is_revoked)
    with pytest.raises(RevokedTokenError):
        verifier.verify(stolen_access)  # other services, with the documented hook
    assert browser.get("/auth/session").status == 200 and third.get("/auth/session").status == 200
    assert len(browser.get("/auth/sessions").body["sessions"]) == 2


def test_an_id_that_is_not_one_of_mine_is_not_found(browser: Browser, new_browser: Any, user: str) -> None:
    signed_in(browser, user)
    stranger = new_browser()
    signed_in(stranger, "grace@example.com")
    theirs = stranger.get("/auth/sessions").body["sessions"][0]["id"]
    for made_up in (theirs, "no-such-session-id"):
        reply = browser.request("DELETE", f"/auth/sessions/{made_up}", {})
        assert (reply.status, reply.body["error"]["code"]) == (404, "not_found")
    assert stranger.get("/auth/session").status == 200


def test_sign_out_other_devices(browser: Browser, new_browser: Any, user: str) -> None:
    others = [new_browser(), new_browser()]
    for other in others:
        signed_in(other, user)
    signed_in(browser, user)
    assert browser.request("DELETE", "/auth/sessions", {}).status == 204
    assert [o.get("/auth/session").status for o in others] == [401, 401]
    assert [s["current"] for s in browser.get("/auth/sessions").body["sessions"]] == [True]


def test_sign_out_ends_the_record(browser: Browser, new_browser: Any, user: str) -> None:
    other = new_browser()
    signed_in(other, user)
    signed_in(browser, user)
    assert browser.post("/auth/sign-out").status == 204
    assert len(other.get("/auth/sessions").body["sessions"]) == 1
    assert other.post("/auth/sign-out?everywhere=1").status == 204
    assert records.of_user(other_sub(user)) == []


def other_sub(email: str) -> str:
    user = aws.client("cognito-idp").admin_get_user(UserPoolId=settings().user_pool_id, Username=email)
    return str(next(a["Value"] for a in user["UserAttributes"] if a["Name"] == "sub"))


def test_a_record_lives_as_long_as_the_refresh_token_and_is_touched_once_a_minute(
        browser: Browser, user: str, monkeypatch: pytest.MonkeyPatch) -> None:
    signed_in(browser, user)
    record = records.of_user(other_sub(user))[0]
    assert record.expires_at - int(record.created_at) == settings().refresh_ttl
    browser.get("/auth/session")
    assert records.of_user(record.sub)[0].last_seen_at == record.last_seen_at  # within the minute: no write
    later = time.time() + 61
    monkeypatch.setattr(records.time, "time", lambda: later)
    records.touch(record)
    assert records.of_user(record.sub)[0].last_seen_at == int(later)


def _decoded(value: str) -> str:
    """The cookie value and every base64 reading of its parts."""
    found = [value]
    for part in re.split(r"[.:]", value):
        for alphabet in (base64.urlsafe_b64decode, base64.b64decode):
            try:
                found.append(alphabet(part + "=" * (-len(part) % 4)).decode("utf-8", "replace"))
            except ValueError:
                pass
    return "\n".join(found)


def test_no_cookie_carries_the_address(browser: Browser, user: str) -> None:
    replies = [signed_in(browser, user), browser.post("/auth/refresh")]
    for reply in replies:
        for raw in reply.set_cookies:
            value = raw.split(";", 1)[0].split("=", 1)[1]
            # Case-insensitively, the address or its domain; not "ada" alone, which random base64 can spell.
            found = _decoded(value).lower()
            assert user not in found and "ada@" not in found and "example.com" not in found, raw.split("=", 1)[0]
    assert browser.get("/auth/session").body["user"]["email"] == user  # from the record, not a cookie


def test_the_first_sign_in_sends_no_new_device_email_and_a_new_browser_does(
        browser: Browser, new_browser: Any, user: str) -> None:
    signed_in(browser, user)
    signed_in(browser, user)  # the same browser again
    assert new_device_mails(user) == []
    signed_in(new_browser(), user, SAFARI)
    mails = new_device_mails(user)
    assert len(mails) == 1
    text = mails[0]["text"]
    assert "Safari on Mac OS X" in text and "127.0.0.1" in text and "approximate location unknown" in text
    assert re.search(r"/not-me#token=[A-Za-z0-9_.-]+", text)


def not_me_token(email: str) -> str:
    found = re.search(r"/not-me#token=([A-Za-z0-9_.-]+)", new_device_mails(email)[0]["text"])
    assert found
    return found.group(1)


def test_this_wasnt_me_secures_the_account(browser: Browser, new_browser: Any, user: str) -> None:
    signed_in(browser, user)
    intruder = new_browser()
    signed_in(intruder, user, SAFARI)
    token = not_me_token(user)
    pending = new_browser()
    assert pending.post("/auth/sign-in", {"email": user}).status == 202
    code, link = code_and_token(inbox(user)[0])
    page = new_browser().get("/not-me")
    assert page.status == 200 and "text/html" in page.headers["Content-Type"]  # loading it changes nothing
    assert intruder.get("/auth/session").status == 200
    reply = new_browser().post("/auth/not-me", {"token": token})
    assert (reply.status, reply.body) == (200, {"status": "secured", "sessions_ended": 2, "passkeys_removed": [],
                                                "address_restored": False})
    assert not any(c.startswith("__Host-sesame-access=") and "Max-Age=0" not in c for c in reply.set_cookies)
    assert browser.get("/auth/session").status == intruder.get("/auth/session").status == 401
    assert intruder.post("/auth/refresh").status == 401
    assert pending.post("/auth/sign-in/code", {"code": code}).status == 401  # the pending code is dead
    assert new_browser().post("/auth/sign-in/link", {"token": link}).status == 401
    again = new_browser().post("/auth/not-me", {"token": token})
    assert (again.status, again.body["error"]["code"]) == (410, "link_used")


@pytest.mark.parametrize("mangle", [lambda t: t[:-4] + "AAAA", lambda t: "x" + t, lambda t: "", lambda t: t * 40])
def test_a_tampered_not_me_token_is_an_invalid_link(browser: Browser, new_browser: Any, user: str,
                                                   mangle: Any) -> None:
    signed_in(browser, user)
    signed_in(new_browser(), user, SAFARI)
    reply = new_browser().post("/auth/not-me", {"token": mangle(not_me_token(user))})
    assert (reply.status, reply.body["error"]["code"]) in ((401, "invalid_link"), (413, "payload_too_large"))
    assert browser.get("/auth/session").status == 200


def test_a_not_me_link_is_sealed_for_its_purpose(browser: Browser, new_browser: Any, user: str) -> None:
    # A sign-in link's ciphertext cannot pass for a "this wasn't me" token: KMS binds the purpose.
    signed_in(browser, user)
    assert browser.post("/auth/sign-in", {"email": user}).status == 202
    _, link = code_and_token(inbox(user)[0])
    reply = new_browser().post("/auth/not-me", {"token": link})
    assert (reply.status, reply.body["error"]["code"]) == (401, "invalid_link")
    assert tokens.split_refresh(browser.jar["__Secure-sesame-refresh"])[0]  # and the session is untouched
    assert browser.get("/auth/session").status == 200


@pytest.mark.parametrize("path", ["/auth/sessions", "/auth/sessions/some-id", "/auth/not-me"])
def test_state_changing_session_calls_keep_the_origin_and_content_type_rules(browser: Browser, user: str,
                                                                            path: str) -> None:
    signed_in(browser, user)
    method = "POST" if path == "/auth/not-me" else "DELETE"
    cross = browser.request(method, path, {}, headers={"Origin": "https://evil.example"})
    assert (cross.status, cross.body["error"]["code"]) == (403, "forbidden_origin")
    form = browser.request(method, path, raw=b"token=x", headers={"Content-Type": "text/plain"})
    assert (form.status, form.body["error"]["code"]) == (415, "unsupported_media_type")
    assert browser.get("/auth/session").status == 200
