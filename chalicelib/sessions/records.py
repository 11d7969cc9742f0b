"""Session records in DynamoDB: one per sign-in in one browser.

``session#<origin_jti>``: every token minted from one refresh token shares
its ``origin_jti``, so the record is found from any access token of the
session. It holds an opaque public id, the user (``user_sub``, indexed by
``by-user``: one user's sessions are a Query, never a Scan), the address
(kept server-side so no cookie carries it), method, device, IP and times,
and expires with the refresh token. Ending a session denylists its
``origin_jti`` until then (``chalicelib.denylist``) and deletes the record.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chalicelib import aws, batch, denylist, events
from chalicelib.config import settings
from chalicelib.signin import addresses
from chalicelib.times import iso

TOUCH_EVERY = 60  # seconds: last_seen_at is written at most once a minute
INDEX = "by-user"


@dataclass(frozen=True)
class Record:
    origin_jti: str
    sid: str
    sub: str
    email: str
    method: str
    device: str
    ip: str
    created_at: float  # to the millisecond: two sign-ins in one second still sort
    last_seen_at: int
    expires_at: int
    stepped_up_at: float = 0.0  # the last step-up (``chalicelib.stepup``); 0 for none
    client_id: str = ""  # an app's session (``chalicelib.oauth``): the OAuth client that holds its tokens
    scope: str = ""  # what the app was granted

    def public(self, current_jti: str | None) -> dict[str, Any]:
        return {"id": self.sid, "current": self.origin_jti == current_jti, "method": self.method,
                "device": self.device, "ip": self.ip, "created_at": iso(self.created_at),
                "last_seen_at": iso(self.last_seen_at), "app": self.device if self.client_id else None}


def key(origin_jti: str) -> dict[str, Any]:
    return {"pk": {"S": f"session#{origin_jti}"}}


def _from_item(item: Mapping[str, Any]) -> Record:
    return Record(origin_jti=item["pk"]["S"].split("#", 1)[1], sid=item["sid"]["S"], sub=item["user_sub"]["S"],
                  email=item["email"]["S"], method=item["method"]["S"], device=item["device"]["S"],
                  ip=item["ip"]["S"], created_at=float(item["created_at"]["N"]),
                  last_seen_at=int(item["last_seen_at"]["N"]), expires_at=int(item["ttl"]["N"]),
                  stepped_up_at=float(item.get("stepped_up_at", {}).get("N", "0")),
                  client_id=item.get("client_id", {}).get("S", ""), scope=item.get("scope", {}).get("S", ""))


def create(origin_jti: str, sub: str, email: str, method: str, device: str, ip: str, *, client_id: str = "",
           scope: str = "") -> Record:
    """A new session's record; ``client_id`` for an app's (OAuth) session, ``device`` then names the app."""
    created = round(time.time(), 3)
    now = int(created)
    record = Record(origin_jti, secrets.token_urlsafe(18), sub, email, method, device, ip, created, now,
                    now + settings().refresh_ttl, client_id=client_id, scope=scope)
    app = {"client_id": {"S": client_id}, "scope": {"S": scope}} if client_id else {}
    aws.client("dynamodb").put_item(TableName=settings().table, Item={
        **key(origin_jti), "sid": {"S": record.sid}, "user_sub": {"S": sub}, "email": {"S": email},
        "method": {"S": method}, "device": {"S": device}, "ip": {"S": ip}, "created_at": {"N": str(created)},
        "last_seen_at": {"N": str(now)}, "ttl": {"N": str(record.expires_at)}, **app})
    return record


def lookup(claims: Mapping[str, Any]) -> Record | None:
    """The live record of the session these (verified) claims belong to; None
    when it was ended, signed out everywhere, or never recorded (fail closed).
    One read: the denylist entries and the record together; a read DynamoDB cannot
    complete is ``ServiceUnavailable``, never "signed out" (``chalicelib.batch``)."""
    origin = claims.get("origin_jti")
    if not isinstance(origin, str) or not origin:
        return None
    items = batch.get(settings().table, denylist.keys(claims))  # the record is among them; all read, or 503
    if denylist.revoked_by(items, claims):
        return None
    records = [i for i in items if i["pk"]["S"].startswith("session#")]
    if not records or int(records[0]["ttl"]["N"]) <= time.time():
        return None
    return _from_item(records[0])


def touch(record: Record) -> None:
    """Note the session was used now, at most once a minute."""
    now = int(time.time())
    if now - record.last_seen_at < TOUCH_EVERY:
        return
    aws.client("dynamodb").update_item(
        TableName=settings().table, Key=key(record.origin_jti), UpdateExpression="SET last_seen_at = :now",
        ConditionExpression="attribute_exists(pk)", ExpressionAttributeValues={":now": {"N": str(now)}})


def step_up(record: Record) -> None:
    """The session's owner confirmed themselves again just now."""
    now = str(round(time.time(), 3))
    aws.client("dynamodb").update_item(
        TableName=settings().table, Key=key(record.origin_jti), UpdateExpression="SET stepped_up_at = :now",
        ConditionExpression="attribute_exists(pk)", ExpressionAttributeValues={":now": {"N": now}})


def readdress(sub: str, email: str) -> None:
    """The account's address changed: its live sessions show the new one."""
    for record in of_user(sub):
        aws.client("dynamodb").update_item(
            TableName=settings().table, Key=key(record.origin_jti), UpdateExpression="SET email = :email",
            ConditionExpression="attribute_exists(pk)", ExpressionAttributeValues={":email": {"S": email}})


def of_user(sub: str) -> list[Record]:
    """The user's live sessions, newest first."""
    pages = aws.client("dynamodb").get_paginator("query").paginate(
        TableName=settings().table, IndexName=INDEX, KeyConditionExpression="user_sub = :sub",
        ExpressionAttributeValues={":sub": {"S": sub}})
    now = time.time()
    found = [_from_item(i) for page in pages for i in page.get("Items", [])
             if i["pk"]["S"].startswith("session#") and int(i["ttl"]["N"]) > now]
    return sorted(found, key=lambda r: r.created_at, reverse=True)


def discard(origin_jti: str) -> None:
    """Delete the record of a session whose sign-in failed (its tokens never left the API)."""
    aws.client("dynamodb").delete_item(TableName=settings().table, Key=key(origin_jti))


def end(record: Record) -> None:
    """End the session at once: its tokens are refused, its refresh token refreshes nothing."""
    denylist.deny_session(record.origin_jti, until=record.expires_at)
    aws.client("dynamodb").delete_item(TableName=settings().table, Key=key(record.origin_jti))
    events.publish(events.SESSION_ENDED, record.sub, addresses.email_hash(record.email), session_id=record.sid,
                   method=record.method, device=record.device)
