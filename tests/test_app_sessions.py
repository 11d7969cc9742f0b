"""Who am I, refresh, sign-out (one session or all), end to end."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest

from chalicelib.config import settings
from devstack.browser import Browser
from sesame_verify import CognitoJwtVerifier, RevokedTokenError
from tests.conftest import moto_signed, sign_in

ACCESS, ID, REFRESH, FLOW = ("__Host-sesame-access", "__Host-sesame-id", "__Secure-sesame-refresh",
                             "__Host-sesame-flow")


def claims_of(browser: Browser, name: str = ACCESS) -> dict[str, Any]:
    return dict(jwt.decode(browser.jar[name], options={"verify_signature": False}))


def assert_all_cleared(reply: Any) -> None:
    for name, path, same_site in ((ACCESS, "/", "Lax"), (ID, "/", "Lax"), (REFRESH, "/auth", "Strict"),
                                  (FLOW, "/", "Strict")):
        cookie = reply.cookie(name)
        assert cookie["value"] in ("", '""')  # http.cookies writes an empty value as ""
        assert (cookie["max-age"], cookie["path"], cookie["samesite"]) == ("0", path, same_site)
        assert cookie["secure"] == cookie["httponly"] == "true"


def test_session_shows_the_user(browser: Browser, user: str) -> None:
    signed_in = sign_in(browser, user)
    reply = browser.get("/auth/session")
    assert reply.status == 200
    assert reply.body["user"] == signed_in.body["user"]
    expires = reply.body["expires_at"]
    assert expires.endswith("+00:00") and abs(
        time.mktime(time.strptime(expires[:19], "%Y-%m-%dT%H:%M:%S")) - time.mktime(time.gmtime()) - 3600) < 120


def test_session_without_cookies_is_unauthenticated(browser: Browser) -> None:
    reply = browser.get("/auth/session")
    assert (reply.status, reply.body["error"]["code"]) == (401, "unauthenticated")


def test_tampered_cookie(browser: Browser, user: str) -> None:
    sign_in(browser, user)
    header, _, signature = browser.jar[ACCESS].split(".")
    forged = jwt.utils.base64url_encode(b'{"sub":"someone-else"}').decode()
    browser.jar[ACCESS] = f"{header}.{forged}.{signature}"
    assert browser.get("/auth/session").status == 401
    browser.jar[ACCESS] = "garbage"
    assert browser.get("/auth/session").status == 401


def test_expired_access_token(browser: Browser, user: str) -> None:
    sign_in(browser, user)
    claims = claims_of(browser)
    claims.update(iat=int(time.time()) - 7200, exp=int(time.time()) - 3600)
    browser.jar[ACCESS] = moto_signed(claims)
    assert browser.get("/auth/session").status == 401


def test_a_token_from_another_user_pool(browser: Browser, user: str, idp: Any) -> None:
    sign_in(browser, user)
    other = idp.create_user_pool(PoolName="elsewhere")["UserPool"]["Id"]
    claims = claims_of(browser)
    claims["iss"] = f"https://cognito-idp.eu-west-1.amazonaws.com/{other}"
    browser.jar[ACCESS] = moto_signed(claims)  # same signing key: moto uses one for every pool
    assert browser.get("/auth/session").status == 401


def test_an_id_token_in_the_access_cookie(browser: Browser, user: str) -> None:
    sign_in(browser, user)
    assert ID not in browser.jar  # never set
    browser.jar[ACCESS] = moto_signed({**claims_of(browser), "token_use": "id", "aud": settings().client_id})
    assert browser.get("/auth/session").status == 401


def test_refresh_gives_new_cookies_and_the_old_access_token_stays_valid(browser: Browser, new_browser: Any,
                                                                        user: str) -> None:
    sign_in(browser, user)
    old_access = browser.jar[ACCESS]
    time.sleep(1.1)  # a new iat, so the new token differs
    reply = browser.post("/auth/refresh")
    assert reply.status == 200 and set(reply.body) == {"expires_at"}
    assert {c.split("=", 1)[0] for c in reply.set_cookies} == {ACCESS}
    assert browser.jar[ACCESS] != old_access and old_access not in reply.text
    # Documented: a refresh does not recall the previous access token; it expires on its own.
    old = new_browser()
    old.jar[ACCESS] = old_access
    assert old.get("/auth/session").status == 200


@pytest.mark.parametrize("refresh", [None, "not-a-refresh-token", "x" * 4000])
def test_refresh_with_a_bad_or_missing_token_clears_every_cookie(browser: Browser, user: str,
                                                                 refresh: str | None) -> None:
    sign_in(browser, user)
    if refresh is None:
        del browser.jar[REFRESH]
    else:
        browser.jar[REFRESH] = refresh
    reply = browser.post("/auth/refresh")
    assert (reply.status, reply.body["error"]["code"]) == (401, "unauthenticated")
    assert_all_cleared(reply)
    assert set(browser.jar) == {"__Host-sesame-device"}  # only the known-browser marker outlives a session


def test_sign_out_clears_revokes_and_denylists(browser: Browser, new_browser: Any, user: str) -> None:
    sign_in(browser, user)
    saved = dict(browser.jar)
    reply = browser.post("/auth/sign-out")
    assert reply.status == 204 and reply.text == ""
    assert_all_cleared(reply)
    thief = new_browser()
    thief.jar.update(saved)  # someone kept copies of the cookies
    assert thief.get("/auth/session").status == 401
    assert thief.post("/auth/refresh").status == 401


def test_sign_out_is_visible_to_other_services_through_sesame_verify(browser: Browser, user: str) -> None:
    from chalicelib import denylist

    sign_in(browser, user)
    token = browser.jar[ACCESS]
    config = settings()
    service = CognitoJwtVerifier(config.user_pool_id, config.client_id, "access", jwks_uri=config.jwks_uri,
                                 is_revoked=denylist.is_revoked)
    assert service.verify(token)["sub"]
    browser.post("/auth/sign-out")
    with pytest.raises(RevokedTokenError):
        service.verify(token)


@pytest.mark.parametrize("how", [{"path": "/auth/sign-out?everywhere=1"},
                                 {"path": "/auth/sign-out", "body": {"everywhere": True}}])
def test_sign_out_everywhere_ends_the_other_browsers_session(new_browser: Any, user: str,
                                                             how: dict[str, Any]) -> None:
    phone, laptop = new_browser(), new_browser()
    sign_in(phone, user)
    time.sleep(1.1)
    sign_in(laptop, user)
    assert laptop.get("/auth/session").status == 200
    assert phone.post(how["path"], how.get("body")).status == 204
    assert laptop.get("/auth/session").status == 401
    assert laptop.post("/auth/refresh").status == 401
    time.sleep(1.1)
    again = new_browser()
    sign_in(again, user)  # a new sign-in after that works
    assert again.get("/auth/session").status == 200


def test_plain_sign_out_leaves_other_sessions_alone(new_browser: Any, user: str) -> None:
    phone, laptop = new_browser(), new_browser()
    sign_in(phone, user)
    sign_in(laptop, user)
    phone.post("/auth/sign-out")
    assert laptop.get("/auth/session").status == 200


def test_sign_out_without_a_session_still_clears_and_says_so(browser: Browser) -> None:
    reply = browser.post("/auth/sign-out")
    assert (reply.status, reply.body) == (200, {"status": "nothing_to_revoke"})
    assert_all_cleared(reply)


@pytest.mark.parametrize("garbage", ["not a token!", "x" * 5000, "sub:not-a-refresh-token"])
def test_sign_out_with_a_garbage_refresh_cookie(browser: Browser, garbage: str) -> None:
    browser.jar[REFRESH] = garbage
    reply = browser.post("/auth/sign-out")
    assert (reply.status, reply.body) == (200, {"status": "nothing_to_revoke"})
    assert_all_cleared(reply)


@pytest.mark.parametrize("path", ["/auth/refresh", "/auth/sign-out"])
def test_csrf_rules_for_cookie_bound_posts(browser: Browser, user: str, path: str) -> None:
    sign_in(browser, user)
    reply = browser.post(path, headers={"Origin": "https://evil.example"})
    assert (reply.status, reply.body["error"]["code"]) == (403, "forbidden_origin")
    reply = browser.post(path, headers={"Sec-Fetch-Site": "cross-site"})
    assert reply.status == 403
    reply = browser.post(path, raw=b"", headers={"Content-Type": "text/plain"})
    assert (reply.status, reply.body["error"]["code"]) == (415, "unsupported_media_type")
    assert browser.get("/auth/session").status == 200  # nothing happened


def test_a_sign_in_in_the_same_second_as_sign_out_everywhere_lives(browser: Browser, new_browser: Any,
                                                                   user: str) -> None:
    from chalicelib import denylist

    sign_in(browser, user)
    old = browser.jar[ACCESS]
    # Sign-in right after the sign-out, within the same second: never dead on arrival.
    while time.time() % 1 > 0.3:  # start early in a second, so both land in it
        time.sleep(0.05)
    assert browser.post("/auth/sign-out?everywhere=1").status == 204
    fresh = new_browser()
    sign_in(fresh, user)
    assert fresh.get("/auth/session").status == 200
    config = settings()
    service = CognitoJwtVerifier(config.user_pool_id, config.client_id, "access", jwks_uri=config.jwks_uri,
                                 is_revoked=denylist.is_revoked)
    assert service.verify(fresh.jar[ACCESS])["sub"]
    with pytest.raises(RevokedTokenError):
        service.verify(old)
