"""The emails of the API: their language, the suppression list, and SES refusing to send."""

from __future__ import annotations

import io
from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto.ses.models import ses_backends

from chalicelib import aws
from chalicelib.config import settings
from devstack import ses
from devstack.bootstrap import ACCOUNT_ID
from devstack.browser import Browser
from devstack.mailbox import link_token
from devstack.stack import LocalStack
from tests.conftest import code_and_token, events, inbox, sign_in, watch_aws_calls
from tests.test_app_signin_rules import comparable

GERMAN = {"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}


def _challenges() -> list[dict[str, Any]]:
    items = aws.client("dynamodb").scan(TableName=settings().table)["Items"]
    return [i for i in items if i["pk"]["S"].startswith("challenge#")]


def test_the_email_speaks_the_language_of_the_browser_that_asked(browser: Browser, user: str) -> None:
    assert browser.post("/auth/sign-in", {"email": user}, headers=GERMAN).status == 202
    message = inbox(user)[0]
    assert message["subject"] == "Ihr Anmeldecode für Sesame"
    assert "Geben Sie diesen Code" in message["text"] and 'lang="de"' in message["html"]


def test_an_explicit_locale_wins_and_an_unknown_one_is_english(browser: Browser, user: str) -> None:
    browser.post("/auth/sign-in", {"email": user, "locale": "de"}, headers={"Accept-Language": "en"})
    assert inbox(user)[0]["subject"] == "Ihr Anmeldecode für Sesame"
    browser.post("/auth/sign-in", {"email": user, "locale": "tlh"}, headers={"Accept-Language": "fr"})
    assert inbox(user)[0]["subject"] == "Your Sesame sign-in code"


@pytest.mark.parametrize("locale", ["<script>", "de_DE_x_y_z_toolong", 7, "a" * 40])
def test_a_malformed_locale_is_a_clear_400(browser: Browser, locale: Any) -> None:
    reply = browser.post("/auth/sign-in", {"email": "ada@example.com", "locale": locale})
    assert reply.status == 400 and reply.body["error"]["code"] == "invalid_request"
    assert inbox("ada@example.com") == []


def _new_browser_asks_in_german(browser: Browser, new_browser: Any, user: str) -> None:
    """``user`` signs in, then again from a new browser that asked in German (and redeems without asking)."""
    sign_in(browser, user)
    other = new_browser()
    other.post("/auth/sign-in", {"email": user}, headers=GERMAN)
    code, _ = code_and_token(inbox(user)[0])
    assert other.post("/auth/sign-in/code", {"code": code}).status == 200  # no Accept-Language here


def test_the_new_device_email_speaks_as_the_sign_in_email_did(browser: Browser, new_browser: Any,
                                                              user: str) -> None:
    _new_browser_asks_in_german(browser, new_browser, user)
    assert inbox(user)[0]["subject"] == "Neue Anmeldung bei Sesame"


def test_pages_speak_the_browser_language(browser: Browser) -> None:
    for path in ("/", "/sign-in/link", "/not-me"):
        page = browser.get(path, headers=GERMAN)
        assert page.status == 200 and '<html lang="de">' in page.text
        assert page.headers["Content-Language"] == "de" and page.headers["Vary"] == "Accept-Language"
    assert "<title>Anmelden · Sesame</title>" in browser.get("/", headers=GERMAN).text
    assert "<title>Sign in · Sesame</title>" in browser.get("/", headers={"Accept-Language": "fr"}).text


def test_a_suppressed_address_gets_the_same_work_and_answer_and_no_delivery(
        browser: Browser, new_browser: Any, user: str, audit_log: io.StringIO) -> None:
    aws.client("sesv2").put_suppressed_destination(EmailAddress="gone@example.com", Reason="BOUNCE")
    normal = browser.post("/auth/sign-in", {"email": user})
    suppressed_browser = new_browser()
    suppressed = suppressed_browser.post("/auth/sign-in", {"email": "gone@example.com"})
    assert comparable(suppressed) == comparable(normal)
    assert inbox("gone@example.com") == []  # SES took the message and dropped it
    assert len(_challenges()) == 2  # a challenge like any other: the same work, whatever the address
    assert suppressed_browser.post("/auth/sign-in/code", {"code": "123456"}).status == 401
    logged = [e["event"] for e in events(audit_log.getvalue()) if e["event"].startswith("sign_in.")]
    assert logged[:2] == ["sign_in.requested", "sign_in.suppressed"]


def test_the_sandbox_refusing_a_recipient_leaves_nothing_behind(real_limits: None, browser: Browser,
                                                                user: str) -> None:
    backend = ses_backends[ACCOUNT_ID][settings().region]
    ses.sandbox(backend, True)
    try:
        reply = browser.post("/auth/sign-in", {"email": user})
    finally:
        ses.sandbox(backend, False)
    assert reply.status == 503 and reply.body["error"]["code"] == "email_unavailable"
    assert _challenges() == [] and inbox(user) == []
    # The per-minute limit (one email a minute) was not spent on the send that failed.
    assert browser.post("/auth/sign-in", {"email": user}).status == 202
    assert len(inbox(user)) == 1


def test_in_the_sandbox_a_verified_recipient_gets_the_email(real_limits: None, browser: Browser, user: str) -> None:
    backend = ses_backends[ACCOUNT_ID][settings().region]
    aws.client("sesv2").create_email_identity(EmailIdentity=user)  # dev's sandbox: the team's own addresses
    ses.sandbox(backend, True)
    try:
        reply = browser.post("/auth/sign-in", {"email": user})
    finally:
        ses.sandbox(backend, False)
    assert reply.status == 202, reply.body
    assert len(inbox(user)) == 1


def test_ses_throttling_says_when_to_retry(real_limits: None, browser: Browser, user: str,
                                           audit_log: io.StringIO) -> None:
    def throttle(**_: Any) -> None:
        raise ClientError({"Error": {"Code": "TooManyRequestsException", "Message": "slow down"}}, "SendEmail")

    watch_aws_calls("before-call.sesv2.SendEmail", throttle, ("sesv2",))
    reply = browser.post("/auth/sign-in", {"email": user})
    assert reply.status == 503 and reply.body["error"]["code"] == "email_throttled"
    assert reply.headers["Retry-After"] == "60"
    assert _challenges() == []
    failed = [e for e in events(audit_log.getvalue()) if e["event"] == "sign_in.request_failed"]
    assert failed[-1]["reason"] == "dependency:EmailNotSent:TooManyRequestsException"


def test_an_invitation_says_so_in_the_language_asked_for(browser: Browser, stack: LocalStack) -> None:
    from sesame_tools import lifecycle

    lifecycle.invite("invitee@example.com", True, "tester", "de")
    message = inbox("invitee@example.com")[0]
    assert message["subject"] == "Sie sind zu Sesame eingeladen"
    assert browser.post("/auth/sign-in/link", {"token": link_token(message)}).status == 200


def test_this_wasnt_me_confirms_by_email_in_the_language_of_the_sign_in(browser: Browser, new_browser: Any,
                                                                        user: str) -> None:
    import re

    _new_browser_asks_in_german(browser, new_browser, user)
    found = re.search(r"/not-me#token=([A-Za-z0-9_.-]+)", inbox(user)[0]["text"])
    assert found
    assert browser.post("/auth/not-me", {"token": found.group(1)}).status == 200
    confirmation = inbox(user)[0]
    assert confirmation["subject"] == "Ihr Sesame-Konto wurde gesichert"
    assert "/not-me" not in confirmation["text"] and settings().public_url in confirmation["text"]


def test_an_invitation_is_a_link_valid_for_days_from_a_named_inviter(browser: Browser, stack: LocalStack,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import re
    import time
    from urllib.parse import urlsplit

    from sesame_tools import lifecycle

    from chalicelib.signin import challenges, linktoken

    monkeypatch.setenv("SESAME_INVITE_DAYS", "3")
    settings.cache_clear()
    lifecycle.invite("invitee@example.com", True, "tester", inviter="Ada  from\tOps")
    message = inbox("invitee@example.com")[0]
    text, site = message["text"], urlsplit(settings().public_url).netloc
    assert text.startswith(f"This email is from {site}.")
    assert f"Ada from Ops invited you to {site}" in text and "Ada from Ops invited you" in message["html"]
    assert "for 3 days" in text and f"sign in at {settings().public_url}/ with this email address" in text
    assert "did not ask" not in text and not re.search(r"^\s+\d{6}\s*$", text, re.M)  # no code: nobody asked
    token = link_token(message)
    key = {"pk": {"S": challenges.pk(linktoken.challenge_id_of(token))}}
    item = aws.client("dynamodb").get_item(TableName=settings().table, Key=key)["Item"]
    assert abs(challenges.from_item(item).expires_at - (time.time() + 3 * 86400)) < 60
    assert item["code_mac"]["S"] == ""  # and no code's MAC either: no code opens an invitation
    assert browser.post("/auth/sign-in/link", {"token": token}).status == 200


def test_an_inviter_name_is_one_short_printable_line(stack: LocalStack) -> None:
    from sesame_tools import lifecycle

    for bad in ("x" * 65, "Ada\x07", "Ada\u202e"):
        with pytest.raises(lifecycle.AdminError, match="--from"):
            lifecycle.invite("invitee@example.com", True, "tester", inviter=bad)
    assert inbox("invitee@example.com") == []
