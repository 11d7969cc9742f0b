"""Authorization codes in DynamoDB: ``oauthcode#<SHA-256 of the code>``.

A code is 256 random bits, lives 60 seconds and is redeemed once. The item
binds it to the client, the exact redirect URI, the PKCE challenge and the
user; it never holds the code itself. It is consumed by the Verify trigger
(``check``), through the same conditional write as an emailed code, per Cognito
flow so that Cognito's retry of a trigger is recognised. After the tokens are
issued the item names their session (``issued``), so that a second use of the
code can end it (OAuth 2.1 §4.1.3: "SHOULD revoke ... tokens previously issued").
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from chalicelib import aws
from chalicelib.config import settings

LIFETIME = 60  # seconds (OAuth 2.1 recommends "a maximum ... lifetime of 10 minutes"; ours is a redirect away)
_PREFIX = "oauthcode#"


@dataclass(frozen=True)
class AuthCode:
    """One authorization code, in the shape Authlib's grant asks (``AuthorizationCodeMixin``)."""

    code_hash: str
    client_id: str
    redirect_uri: str
    scope: str
    code_challenge: str
    code_challenge_method: str
    sub: str
    email: str
    expires_at: int
    used: bool = False
    issued: str = ""  # the origin_jti of the session the code made
    code: str = ""  # only in memory, on the request that presented it: the answer Cognito's trigger checks

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope


def new_code() -> str:
    return secrets.token_urlsafe(32)


def digest(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


def _key(code_hash: str) -> dict[str, Any]:
    return {"pk": {"S": f"{_PREFIX}{code_hash}"}}


def save(code: str, *, client_id: str, redirect_uri: str, scope: str, challenge: str, method: str, sub: str,
         email: str) -> AuthCode:
    expires_at = int(time.time()) + LIFETIME
    aws.client("dynamodb").put_item(TableName=settings().table, Item={
        **_key(digest(code)), "client_id": {"S": client_id}, "redirect_uri": {"S": redirect_uri},
        "scope": {"S": scope}, "code_challenge": {"S": challenge}, "code_challenge_method": {"S": method},
        "account_sub": {"S": sub}, "email": {"S": email}, "expires_at": {"N": str(expires_at)},
        "used": {"BOOL": False}, "ttl": {"N": str(expires_at + 3600)}},
        ConditionExpression="attribute_not_exists(pk)")
    return AuthCode(digest(code), client_id, redirect_uri, scope, challenge, method, sub, email, expires_at, code=code)


def _from_item(item: dict[str, Any], code: str = "") -> AuthCode:
    # ``account_sub``, not ``user_sub``: a code never appears in the table's by-user index.
    return AuthCode(
        code_hash=item["pk"]["S"].removeprefix(_PREFIX), client_id=item["client_id"]["S"],
        redirect_uri=item["redirect_uri"]["S"], scope=item["scope"]["S"],
        code_challenge=item["code_challenge"]["S"], code_challenge_method=item["code_challenge_method"]["S"],
        sub=item["account_sub"]["S"], email=item["email"]["S"], expires_at=int(item["expires_at"]["N"]),
        used=item["used"]["BOOL"], issued=item.get("issued", {}).get("S", ""), code=code)


def find(code: str) -> AuthCode | None:
    """The code's item, used or not (a used one is how a replay is noticed)."""
    if not code or len(code) > 128:
        return None
    item = aws.client("dynamodb").get_item(TableName=settings().table, Key=_key(digest(code)),
                                           ConsistentRead=True).get("Item")
    return _from_item(item, code) if item else None


def check(code_hash: str, answer: str, sub: str, flow: str, attempt: str) -> str | None:
    """The Verify trigger's check of an answer to a ``grant`` sign-in: None when ``answer``
    is the live, unused code of ``code_hash`` for ``sub``, now consumed by ``flow``."""
    if not hmac.compare_digest(digest(answer), code_hash):
        return "wrong_code"
    try:
        aws.client("dynamodb").update_item(
            TableName=settings().table, Key=_key(code_hash),
            UpdateExpression="SET used = :yes, used_by = :flow, used_in = :attempt",
            ConditionExpression="used = :no AND expires_at > :now AND account_sub = :sub",
            ExpressionAttributeValues={":yes": {"BOOL": True}, ":no": {"BOOL": False}, ":flow": {"S": flow},
                                       ":attempt": {"S": attempt}, ":now": {"N": str(int(time.time()))},
                                       ":sub": {"S": sub}})
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
        item = aws.client("dynamodb").get_item(TableName=settings().table, Key=_key(code_hash),
                                               ConsistentRead=True).get("Item") or {}
        if hmac.compare_digest(item.get("used_by", {}).get("S", ""), flow) and flow:
            return None  # Cognito's retry of the call that consumed it
        return "already_used"
    return None


def issued(code_hash: str, origin_jti: str) -> None:
    """Name the session the code made (a replay of the code ends it)."""
    aws.client("dynamodb").update_item(
        TableName=settings().table, Key=_key(code_hash), UpdateExpression="SET issued = :jti",
        ExpressionAttributeValues={":jti": {"S": origin_jti}})


def release(code_hash: str, attempt: str) -> None:
    """Make the code redeemable again if request ``attempt`` consumed it but issued nothing
    (Cognito's answer was lost): the client may retry within the code's minute."""
    try:
        aws.client("dynamodb").update_item(
            TableName=settings().table, Key=_key(code_hash), UpdateExpression="SET used = :no REMOVE used_by, used_in",
            ConditionExpression="used = :yes AND used_in = :attempt",
            ExpressionAttributeValues={":no": {"BOOL": False}, ":yes": {"BOOL": True}, ":attempt": {"S": attempt}})
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
