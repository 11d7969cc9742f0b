"""The sign-in rules that protect accounts: no enumeration, sign-up policy,
safe redirects, login CSRF, and bad input answered with a stable 4xx."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib import appclient, aws, params
from chalicelib.config import settings
from devstack.browser import Browser, Reply
from devstack.stack import LocalStack
from tests.conftest import code_and_token, inbox, watch_aws_calls

VOLATILE = {"date", "set-cookie", "content-length", "server"}


def comparable(reply: Reply) -> tuple[int, Any, dict[str, str], list[str]]:
    headers = {k.lower(): v for k, v in reply.headers.items() if k.lower() not in VOLATILE}
    # Only the flow cookie's random value may differ.
    cookies = [c.split("=", 1)[0] + "=<v>;" + c.split(";", 1)[1] for c in reply.set_cookies]
    return reply.status, reply.body, headers, cookies


def test_same_response_whether_or_not_the_account_exists(browser: Browser, new_browser: Any,
                                                         user: str) -> None:
    known = browser.post("/auth/sign-in", {"email": user})
    unknown = new_browser().post("/auth/sign-in", {"email": "nobody@example.com"})
    assert comparable(known) == comparable(unknown)
    assert known.cookie("__Host-sesame-flow")["value"] != unknown.cookie("__Host-sesame-flow")["value"]


def test_open_sign_up_creates_the_account_only_once_the_email_is_proven(browser: Browser, idp: Any) -> None:
    email = "newcomer@example.com"
    browser.post("/auth/sign-in", {"email": email})
    message = inbox(email)[0]
    assert "create your account" in message["text"]
    assert idp.list_users(UserPoolId=settings().user_pool_id)["Users"] == []
    code, _ = code_and_token(message)
    wrong = "000000" if code != "000000" else "111111"
    assert browser.post("/auth/sign-in/code", {"code": wrong}).status == 401
    assert idp.list_users(UserPoolId=settings().user_pool_id)["Users"] == []  # a wrong answer creates nobody
    reply = browser.post("/auth/sign-in/code", {"code": code})
    assert reply.status == 200 and reply.body["user"]["email"] == email
    user = idp.admin_get_user(UserPoolId=settings().user_pool_id, Username=email)
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert attributes["email_verified"] == "true" and user["UserStatus"] == "CONFIRMED"


@pytest.fixture
def closed(stack: LocalStack, api: str) -> Iterator[None]:
    stack.overrides["SESAME_SIGN_UP"] = "closed"
    stack.reset()
    yield
    del stack.overrides["SESAME_SIGN_UP"]


def test_closed_sign_up_never_gives_an_unknown_email_a_session(closed: None, browser: Browser,
                                                              new_browser: Any, idp: Any) -> None:
    email = "outsider@example.com"
    reply = browser.post("/auth/sign-in", {"email": email})
    assert (reply.status, reply.body) == (202, {"status": "sent"})
    message = inbox(email)[0]
    assert "no account" in message["text"].lower()
    assert "/sign-in/link#token=" not in message["text"]
    for code in ("000000", "123456", "999999"):
        assert browser.post("/auth/sign-in/code", {"code": code}).status == 401
    assert idp.list_users(UserPoolId=settings().user_pool_id)["Users"] == []


@pytest.mark.parametrize("redirect,expected", [
    ("/dashboard?tab=1", "/dashboard?tab=1"), ("/dashboard?tab=1#top", "/"), ("/", "/"), ("/authors", "/authors"),
    ("//evil.example", "/"), ("/\\evil.example", "/"), ("\\\\evil.example", "/"),
    ("https://evil.example/", "/"), ("javascript:alert(1)", "/"), ("evil.example", "/"),
    ("/ok\r\nSet-Cookie: x=1", "/"), ("/" + "a" * 2100, "/"), ("", "/"),
])
def test_redirects_are_same_origin_paths_only(browser: Browser, user: str, redirect: str, expected: str) -> None:
    browser.post("/auth/sign-in", {"email": user, "redirect": redirect})
    code, _ = code_and_token(inbox(user)[0])
    assert browser.post("/auth/sign-in/code", {"code": code}).body["redirect"] == expected


@pytest.mark.parametrize("path,body", [
    ("/auth/sign-in", {"email": "ada@example.com"}), ("/auth/sign-in/code", {"code": "123456"}),
    ("/auth/sign-in/link", {"token": "x" * 40 + ".abc"}),
])
def test_cross_site_posts_are_refused(browser: Browser, path: str, body: dict[str, str]) -> None:
    for headers in ({"Origin": "https://evil.example"}, {"Origin": "null"},
                    {"Origin": browser.origin + ".evil.example"}, {"Sec-Fetch-Site": "cross-site"}):
        reply = browser.post(path, body, headers=headers)
        assert (reply.status, reply.body["error"]["code"]) == (403, "forbidden_origin")
    assert inbox("ada@example.com") == []


def test_same_origin_and_originless_posts_are_allowed(browser: Browser, user: str) -> None:
    assert browser.post("/auth/sign-in", {"email": user}, headers={"Sec-Fetch-Site": "same-origin"}).status == 202
    assert browser.post("/auth/sign-in", {"email": user}, origin=False).status == 202


BAD = [
    (b"{not json", 400, "invalid_request"), (b"[1, 2]", 400, "invalid_request"),
    (b'"ada@example.com"', 400, "invalid_request"), (b"{}", 400, "invalid_request"),
    (b'{"email": 5}', 400, "invalid_request"), (b'{"email": null}', 400, "invalid_request"),
    (b'{"email": ["ada@example.com"]}', 400, "invalid_request"),
    (b'{"email": "ada@example.com", "redirect": 7}', 400, "invalid_request"),
    (b'{"email": "not-an-address"}', 400, "invalid_email"),
    (json.dumps({"email": "a" * 245 + "@example.com"}).encode(), 400, "invalid_email"),
    (b'{"email": "ada@example.com\\r\\nBcc: eve@example.com"}', 400, "invalid_email"),
    (b'{"email": "ada@example.com\\n"}', 400, "invalid_email"),
    (b'{"email": "ada@example.com, eve@example.com"}', 400, "invalid_email"),
    (b'{"email": "ada@example.com; eve@example.com"}', 400, "invalid_email"),
    (b'{"email": "Ada <ada@example.com>"}', 400, "invalid_email"),
    (b'{"email": "\\"ada\\"@example.com"}', 400, "invalid_email"),
    (b"\xff\xfe{}", 400, "invalid_request"),
    (b"[" * 5000 + b"]" * 5000, 413, "payload_too_large"),
    (b"[" * 2000 + b"]" * 2000, 400, "invalid_request"),
]


@pytest.mark.parametrize("raw,status,code", BAD)
def test_bad_input_gets_a_stable_4xx(browser: Browser, raw: bytes, status: int, code: str) -> None:
    reply = browser.post("/auth/sign-in", raw=raw)
    assert (reply.status, reply.body["error"]["code"]) == (status, code)
    assert set(reply.body["error"]) == {"code", "message"}
    assert "Traceback" not in reply.text and "ada@example.com" not in reply.text


def test_unknown_fields_are_ignored(browser: Browser, user: str) -> None:
    assert browser.post("/auth/sign-in", {"email": user, "remember": True, "x": [1]}).status == 202


def test_big_bodies_and_other_content_types(browser: Browser) -> None:
    big = browser.post("/auth/sign-in", raw=json.dumps({"email": "a@example.com", "pad": "x" * 5000}).encode())
    assert (big.status, big.body["error"]["code"]) == (413, "payload_too_large")
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                         "application/jsonx"):
        reply = browser.post("/auth/sign-in", raw=b'{"email": "a@example.com"}',
                             headers={"Content-Type": content_type})
        assert (reply.status, reply.body["error"]["code"]) == (415, "unsupported_media_type")
    ok = browser.post("/auth/sign-in", raw=b'{"email": "a@example.com"}',
                      headers={"Content-Type": "application/json; charset=utf-8"})
    assert ok.status == 202


@pytest.mark.parametrize("path,raw", [
    ("/auth/sign-in/code", b'{"code": 123456}'), ("/auth/sign-in/code", b"{}"),
    ("/auth/sign-in/link", b'{"token": ["x"]}'), ("/auth/sign-in/link", b"nope"),
])
def test_bad_input_on_redeem_routes(browser: Browser, path: str, raw: bytes) -> None:
    reply = browser.post(path, raw=raw)
    assert (reply.status, reply.body["error"]["code"]) == (400, "invalid_request")


@pytest.mark.parametrize("code", ["12345", "1234567", "abcdef", "12 456", "١٢٣٤٥٦", ""])
def test_malformed_codes_are_invalid_codes(browser: Browser, user: str, code: str) -> None:
    browser.post("/auth/sign-in", {"email": user})
    reply = browser.post("/auth/sign-in/code", {"code": code})
    assert (reply.status, reply.body["error"]["code"]) == (401, "invalid_code")


class CallCounter:
    """Counts AWS API calls through botocore's event hooks."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()

    def __call__(self, model: Any, **_: Any) -> None:
        self.calls[f"{model.service_model.service_name}:{model.name}"] += 1

    def install(self) -> None:
        watch_aws_calls("before-call", self, ("cognito-idp", "dynamodb", "kms", "sesv2", "ssm"))


def test_aws_calls_per_endpoint(browser: Browser, new_browser: Any, user: str) -> None:
    """The counts in the sign-in note. A change here is a cost change: update the note."""
    browser.post("/auth/sign-in", {"email": user})  # warm the SSM secret cache
    appclient.secret()  # and the app client's secret (one DescribeUserPoolClient per 300 s)
    with aws.acting_as("verify_auth_challenge"):  # and the Verify trigger's secrets (its own role's client)
        for name in (params.CODE_PEPPER, params.EMAIL_HASH_KEY):
            params.secret(name), params.previous(name)
    code, _ = code_and_token(inbox(user)[0])
    counter = CallCounter()
    counter.install()
    browser.post("/auth/sign-in", {"email": user})
    assert dict(counter.calls) == {"cognito-idp:AdminGetUser": 1, "kms:Encrypt": 1,
                                   "dynamodb:BatchGetItem": 1,  # the limiter reads its buckets...
                                   "dynamodb:TransactWriteItems": 1,  # ...and counts them with the challenge
                                   "sesv2:SendEmail": 1}  # not suppressed: remembered from the first request
    code, token = code_and_token(inbox(user)[0])
    counter.calls.clear()
    assert browser.post("/auth/sign-in/code", {"code": code}).status == 200
    assert dict(counter.calls) == {
        "cognito-idp:AdminInitiateAuth": 1, "cognito-idp:AdminRespondToAuthChallenge": 1,
        # the challenge read with the limiter's bucket, the limiter's transaction (which also checks the
        # account's cap), then inside the Verify trigger the attempt count and the consume;
        # then the session record (PutItem) and the browser remembered, answering whether it was known (UpdateItem):
        "dynamodb:BatchGetItem": 1, "dynamodb:UpdateItem": 2, "dynamodb:TransactWriteItems": 2,
        "dynamodb:PutItem": 1}
    browser.post("/auth/sign-in", {"email": user})
    _, token = code_and_token(inbox(user)[0])
    counter.calls.clear()
    # In the same browser: a new one also gets the new-device email (KMS, DynamoDB, SES: 3 more calls).
    assert browser.post("/auth/sign-in/link", {"token": token}).status == 200
    assert dict(counter.calls) == {
        "dynamodb:GetItem": 1, "cognito-idp:AdminInitiateAuth": 1, "cognito-idp:AdminRespondToAuthChallenge": 1,
        # the challenge and the limiter's read, its transaction, the API opening the link before Cognito
        # sees it; inside the Verify trigger a GetItem, the decrypt and the consume;
        # then the session record and the browser check, as for a code:
        "dynamodb:BatchGetItem": 1, "kms:Decrypt": 2, "dynamodb:TransactWriteItems": 2, "dynamodb:PutItem": 1,
        "dynamodb:UpdateItem": 1}
