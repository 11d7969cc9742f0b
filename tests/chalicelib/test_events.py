"""Auth events on the stage's EventBridge bus, read back through a rule that
targets an SQS queue, as a subscribing service would."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib import aws, events
from devstack.browser import Browser
from devstack.stack import LocalStack
from tests.conftest import code_and_token, inbox, sign_in


@pytest.fixture
def subscriber(stack: LocalStack) -> Any:
    """A queue that receives every event of the local stage's bus; returns a reader."""
    sqs, bridge = aws.client("sqs"), aws.client("events")
    url = sqs.create_queue(QueueName="subscriber")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    bridge.put_rule(Name="all-auth-events", EventBusName="sesame-local",
                    EventPattern=json.dumps({"source": ["sesame.local"]}))
    bridge.put_targets(Rule="all-auth-events", EventBusName="sesame-local", Targets=[{"Id": "q", "Arn": arn}])

    def read() -> list[dict[str, Any]]:
        found = []
        while True:
            batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
            if not batch:
                return found
            found += [json.loads(m["Body"]) for m in batch]
            for message in batch:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return read


def test_sign_up_sign_in_and_session_end_are_published(subscriber: Any, browser: Browser) -> None:
    email = "newcomer@example.com"
    browser.post("/auth/sign-in", {"email": email})
    code, _ = code_and_token(inbox(email)[0])
    firefox = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"}
    sub = browser.post("/auth/sign-in/code", {"code": code}, headers=firefox).body["user"]["sub"]
    session_id = browser.get("/auth/sessions").body["sessions"][0]["id"]
    browser.request("DELETE", f"/auth/sessions/{session_id}", {})  # ends its own session: allowed
    received = subscriber()
    assert [e["detail-type"] for e in received] == [events.SIGN_IN_SUCCEEDED, events.ACCOUNT_CREATED,
                                                     events.SESSION_ENDED]
    assert all(e["source"] == "sesame.local" for e in received)
    signed_in = received[0]["detail"]
    assert signed_in["sub"] == sub and signed_in["session_id"] == session_id and signed_in["method"] == "code"
    assert signed_in["device"] == "Firefox on Linux" and signed_in["ip"] == "127.0.0.1" and signed_in["at"]
    assert len(signed_in["email_hash"]) == 64
    text = json.dumps(received)
    assert email not in text and code not in text and "token" not in text


def test_a_failed_publish_never_fails_the_sign_in(subscriber: Any, browser: Browser, user: str,
                                                  capfd: pytest.CaptureFixture[str],
                                                  caplog: pytest.LogCaptureFixture) -> None:
    aws.client("events").delete_event_bus(Name="sesame-local")
    assert sign_in(browser, user).status == 200
    assert subscriber() == []
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == ["event.publish_failed"]
    assert '"EventPublishFailed"' in capfd.readouterr().out  # and counted (EMF), for the alarm


def test_the_account_lifecycle_is_published(subscriber: Any, browser: Browser, user: str) -> None:
    from sesame_tools import lifecycle

    invited = lifecycle.invite("grace@example.com", send=False, caller="local")
    lifecycle.disable(user, caller="local")
    lifecycle.enable(user, caller="local")
    assert browser.post("/auth/sign-in", {"email": user}).status == 202  # a pending challenge, then deleted
    lifecycle.delete(user, caller="local")
    received = [(e["detail-type"], e["detail"]["sub"]) for e in subscriber()]
    sub = received[1][1]
    assert received == [(events.ACCOUNT_CREATED, invited.sub), (events.ACCOUNT_DISABLED, sub),
                        (events.ACCOUNT_ENABLED, sub), (events.ACCOUNT_DELETED, sub)]
    leftovers = aws.client("dynamodb").scan(TableName="sesame-local")["Items"]
    assert not [i for i in leftovers if user in json.dumps(i)]  # the pending challenge held the address


def test_the_owners_account_changes_are_published(subscriber: Any, browser: Browser, user: str) -> None:
    sign_in(browser, user)
    new = "moved@example.com"
    assert browser.post("/auth/account/email", {"email": new}).status == 202
    code, _ = code_and_token(inbox(new)[0])
    assert browser.post("/auth/account/email/code", {"code": code}).status == 200
    assert browser.request("DELETE", "/auth/account", {}).status == 204
    received = {e["detail-type"]: e["detail"] for e in subscriber()}
    assert received[events.ACCOUNT_EMAIL_CHANGED]["email_hash"] != received[events.SIGN_IN_SUCCEEDED]["email_hash"]
    assert received[events.ACCOUNT_DELETED]["actor"] == "self"
    for detail in received.values():
        assert new not in json.dumps(detail) and user not in json.dumps(detail)  # never a raw address


def test_this_wasnt_me_is_published_with_what_it_removed(subscriber: Any, browser: Browser, new_browser: Any,
                                                         user: str) -> None:
    import re

    sign_in(browser, user)
    sign_in(new_browser(), user)
    token = re.search(r"/not-me#token=([A-Za-z0-9_.-]+)", next(
        m for m in inbox(user) if m["subject"] == "New sign-in to Sesame")["text"])
    assert token and new_browser().post("/auth/not-me", {"token": token.group(1)}).status == 200
    secured = [e["detail"] for e in subscriber() if e["detail-type"] == events.ACCOUNT_SECURED]
    assert len(secured) == 1 and secured[0]["sessions_ended"] == "2" and secured[0]["passkeys_removed"] == "0"


def test_approvals_and_their_sign_ins_are_published(subscriber: Any, browser: Browser, new_browser: Any,
                                                    user: str) -> None:
    from urllib.parse import parse_qs, urlsplit

    sign_in(browser, user)
    subscriber()  # the approver's own sign-in
    waiting = new_browser()
    started = waiting.post("/auth/sign-in/phone").body
    code = parse_qs(urlsplit(started["url"]).query)["code"][0]
    browser.post("/auth/approvals/decide", {"code": code, "number": started["number"]})
    waiting.post("/auth/sign-in/phone/status")
    denied = new_browser().post("/auth/sign-in/phone").body
    browser.post("/auth/approvals/decide", {"code": parse_qs(urlsplit(denied["url"]).query)["code"][0]})
    received = subscriber()
    assert [e["detail-type"] for e in received] == [events.SIGN_IN_APPROVED, events.SIGN_IN_SUCCEEDED,
                                                     events.SIGN_IN_DENIED]
    assert received[0]["detail"]["method"] == "browser" and received[1]["detail"]["method"] == "approval"
    assert received[0]["detail"]["ip"] == "127.0.0.1" and code not in json.dumps(received)
