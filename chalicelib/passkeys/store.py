"""Passkeys and WebAuthn ceremony challenges in DynamoDB.

* ``passkey#<credential id>``: the public key, sign count, name and times,
  and ``user_sub`` (the table's ``by-user`` index lists one user's passkeys).
* ``passkey-user#<sub>``: the account's WebAuthn user handle, random and
  opaque (never the address).
* ``webauthn#<flow id>``: one ceremony's challenge, bound to the browser's
  flow cookie, single use, five minutes.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from chalicelib import aws
from chalicelib.config import settings
from chalicelib.times import iso

CHALLENGE_SECONDS = 300
INDEX = "by-user"


class AlreadyStored(Exception):
    """A passkey with this credential id is stored already."""


@dataclass(frozen=True)
class Passkey:
    credential_id: str  # base64url, as in the credential JSON
    pid: str  # the opaque public id
    sub: str
    email_hash: str  # the account's, for its failure cap
    public_key: bytes
    sign_count: int
    name: str
    created_at: int
    last_used_at: int | None
    transports: list[str]
    added_in: str = ""  # the public id of the session that added it ("this wasn't me" removes it)

    def public(self) -> dict[str, Any]:
        return {"id": self.pid, "name": self.name, "created_at": iso(self.created_at),
                "last_used_at": iso(self.last_used_at) if self.last_used_at else None}


@dataclass(frozen=True)
class Ceremony:
    flow_id: str
    kind: str  # "register" or "authenticate"
    challenge: bytes
    sub: str  # the account registering; "" for a sign-in
    expires_at: int
    used: bool
    used_by: str


def _table() -> str:
    return settings().table


def _key(prefix: str, value: str) -> dict[str, Any]:
    return {"pk": {"S": f"{prefix}#{value}"}}


def _read(key: dict[str, Any]) -> dict[str, Any] | None:
    found: dict[str, Any] | None = aws.client("dynamodb").get_item(
        TableName=_table(), Key=key, ConsistentRead=True).get("Item")
    return found


def pk(credential_id: str) -> str:
    """The passkey's key in the table (for a read batched with others: ``limits.reserve``)."""
    return f"passkey#{credential_id}"


def from_item(item: dict[str, Any]) -> Passkey:
    return Passkey(credential_id=item["pk"]["S"].split("#", 1)[1], pid=item["pid"]["S"], sub=item["user_sub"]["S"],
                   email_hash=item["email_hash"]["S"],
                   public_key=item["public_key"]["B"], sign_count=int(item["sign_count"]["N"]),
                   name=item["name"]["S"], created_at=int(item["created_at"]["N"]),
                   last_used_at=int(item["last_used_at"]["N"]) if "last_used_at" in item else None,
                   transports=list(item.get("transports", {}).get("SS", [])),
                   added_in=item.get("added_in", {}).get("S", ""))


def existing_handle(sub: str) -> bytes | None:
    """The account's WebAuthn user handle, if it has one (read only: for checking an assertion)."""
    found = _read(_key("passkey-user", sub))
    return bytes(found["handle"]["B"]) if found else None


def user_handle(sub: str) -> bytes:
    """The account's WebAuthn user handle, made on first use."""
    key = _key("passkey-user", sub)
    found = _read(key)
    if found:
        return bytes(found["handle"]["B"])
    handle = secrets.token_bytes(32)
    try:
        aws.client("dynamodb").put_item(TableName=_table(), Item={**key, "handle": {"B": handle}},
                                        ConditionExpression="attribute_not_exists(pk)")
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
        return user_handle(sub)  # another request made it first
    return handle


def add(sub: str, email_hash: str, credential_id: str, public_key: bytes, sign_count: int, name: str,
        transports: list[str], added_in: str) -> Passkey:
    now = int(time.time())
    item: dict[str, Any] = {**_key("passkey", credential_id), "pid": {"S": secrets.token_urlsafe(18)},
                            "user_sub": {"S": sub}, "email_hash": {"S": email_hash}, "public_key": {"B": public_key},
                            "sign_count": {"N": str(sign_count)}, "name": {"S": name}, "created_at": {"N": str(now)},
                            "added_in": {"S": added_in}}
    if transports:
        item["transports"] = {"SS": transports}
    try:
        aws.client("dynamodb").put_item(TableName=_table(), Item=item, ConditionExpression="attribute_not_exists(pk)")
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            raise AlreadyStored(credential_id) from exc
        raise
    return from_item(item)


def get(credential_id: str) -> Passkey | None:
    item = _read(_key("passkey", credential_id))
    return from_item(item) if item else None


def of_user(sub: str) -> list[Passkey]:
    pages = aws.client("dynamodb").get_paginator("query").paginate(
        TableName=_table(), IndexName=INDEX, KeyConditionExpression="user_sub = :sub",
        ExpressionAttributeValues={":sub": {"S": sub}})
    found = [from_item(i) for page in pages for i in page.get("Items", []) if i["pk"]["S"].startswith("passkey#")]
    return sorted(found, key=lambda p: p.created_at)


def remove(passkey: Passkey) -> None:
    aws.client("dynamodb").delete_item(TableName=_table(), Key=_key("passkey", passkey.credential_id))


def used(passkey: Passkey, new_count: int) -> bool:
    """Record a use; False when the sign count went backwards (a cloned authenticator) or it was removed."""
    try:
        aws.client("dynamodb").update_item(
            TableName=_table(), Key=_key("passkey", passkey.credential_id),
            UpdateExpression="SET sign_count = :new, last_used_at = :now",
            ConditionExpression="attribute_exists(pk) AND (sign_count < :new OR :new = :zero)",
            ExpressionAttributeValues={":new": {"N": str(new_count)}, ":now": {"N": str(int(time.time()))},
                                       ":zero": {"N": "0"}})
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True


def new_ceremony(kind: str, challenge: bytes, sub: str = "") -> str:
    """Store a ceremony's challenge; returns the flow id for the browser's cookie."""
    flow_id = secrets.token_urlsafe(24)
    expires = int(time.time()) + CHALLENGE_SECONDS
    aws.client("dynamodb").put_item(TableName=_table(), Item={
        **_key("webauthn", flow_id), "kind": {"S": kind}, "challenge": {"B": challenge},
        "account_sub": {"S": sub}, "expires_at": {"N": str(expires)}, "used": {"BOOL": False},
        "ttl": {"N": str(expires + 3600)}})
    return flow_id


def ceremony(flow_id: str) -> Ceremony | None:
    item = _read(_key("webauthn", flow_id))
    if not item:
        return None
    return Ceremony(flow_id=flow_id, kind=item["kind"]["S"], challenge=bytes(item["challenge"]["B"]),
                    sub=item["account_sub"]["S"], expires_at=int(item["expires_at"]["N"]),
                    used=item["used"]["BOOL"], used_by=item.get("used_by", {}).get("S", ""))


def consume(flow_id: str, by: str) -> bool:
    """Mark the ceremony used (by a Cognito flow id, or "api"); True also for a retry of the same flow."""
    try:
        aws.client("dynamodb").update_item(
            TableName=_table(), Key=_key("webauthn", flow_id),
            UpdateExpression="SET used = :yes, used_by = :by",
            ConditionExpression="used = :no AND expires_at > :now",
            ExpressionAttributeValues={":yes": {"BOOL": True}, ":no": {"BOOL": False}, ":by": {"S": by},
                                       ":now": {"N": str(int(time.time()))}})
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            found = ceremony(flow_id)
            return found is not None and found.used and found.used_by == by
        raise
    return True
