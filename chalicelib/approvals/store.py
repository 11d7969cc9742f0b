"""Pending approvals in DynamoDB.

``approval#<H(secret)>`` holds one request: who asks (kind, client, IP,
device, time), the number to match and its decoys, and its state, which only
moves forward: ``pending`` → ``approved`` | ``denied``, and ``approved`` →
``used`` once, when the asker takes its session. ``approvalhandle#<H(handle)>``
points to it from what the approver types or scans. Neither the asker's secret
(a device code, or the waiting browser's cookie) nor the handle is stored: H is
an HMAC under the stage's code pepper, so the table alone answers no poll and
approves nothing. Both expire by TTL.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from chalicelib import aws, params
from chalicelib.approvals import matching
from chalicelib.config import settings

KINDS = ("device", "browser")
SLOW_DOWN_STEP = 5  # seconds added to the interval on each too-early poll (RFC 8628 §3.5)
CLAIM_FOR = 30  # seconds: longer than any request lives (API Gateway's 29 s)


@dataclass(frozen=True)
class Request:
    """One request to be approved (also the shape Authlib asks of a device credential)."""

    key_hash: str
    kind: str
    client_id: str
    client_name: str
    scope: str
    ip: str
    device: str
    created_at: int
    expires_at: int
    number: str
    choices: tuple[str, ...]
    interval: int
    last_poll: int
    status: str
    sub: str = ""
    email: str = ""
    locale: str = ""

    def get_client_id(self) -> str:
        return self.client_id

    def get_scope(self) -> str:
        return self.scope

    def is_expired(self) -> bool:
        return self.expires_at <= time.time()


@dataclass(frozen=True)
class Created:
    secret: str  # the asker's: a device code, or the waiting browser's cookie
    handle: str  # the approver's: a user code, or the request id in the QR code
    request: Request


def _mac(pepper: bytes, value: str) -> str:
    return hmac.new(pepper, f"approval:{value}".encode("ascii", "replace"), hashlib.sha256).hexdigest()


def _hashes(value: str) -> list[str]:
    """Under the current pepper and, during a rotation, the previous one."""
    peppers = [params.secret(params.CODE_PEPPER), params.previous(params.CODE_PEPPER)]
    return [_mac(p, value) for p in peppers if p]


def _key(key_hash: str) -> dict[str, Any]:
    return {"pk": {"S": f"approval#{key_hash}"}}


def _handle_key(handle_hash: str) -> dict[str, Any]:
    return {"pk": {"S": f"approvalhandle#{handle_hash}"}}


def create(kind: str, *, client_id: str, client_name: str, scope: str, ip: str, device: str, ttl: int,
           interval: int, locale: str = "") -> Created:
    assert kind in KINDS
    secret = secrets.token_urlsafe(32)
    handle = matching.user_code() if kind == "device" else matching.request_id()
    now = int(time.time())
    number = matching.match_number()
    request = Request(_hashes(secret)[0], kind, client_id, client_name, scope, ip, device, now, now + ttl, number,
                      tuple(matching.choices(number)), interval, 0, "pending", locale=locale)
    handle_hash = _hashes(matching.canonical(handle))[0]
    expiry = {"expires_at": {"N": str(request.expires_at)}, "ttl": {"N": str(request.expires_at + 3600)}}
    item = {**_key(request.key_hash), "kind": {"S": kind}, "client_id": {"S": client_id},
            "client_name": {"S": client_name}, "scope": {"S": scope}, "ip": {"S": ip}, "device": {"S": device},
            "created_at": {"N": str(now)}, "number": {"S": number},
            "choices": {"L": [{"S": c} for c in request.choices]},
            "interval": {"N": str(interval)}, "last_poll": {"N": "0"}, "status": {"S": "pending"},
            "locale": {"S": locale}, **expiry}
    table = settings().table
    aws.client("dynamodb").transact_write_items(TransactItems=[
        {"Put": {"TableName": table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}},
        {"Put": {"TableName": table, "Item": {**_handle_key(handle_hash), "target": {"S": request.key_hash}, **expiry},
                 "ConditionExpression": "attribute_not_exists(pk)"}}])
    return Created(secret, handle, request)


def _from_item(item: dict[str, Any]) -> Request:
    def text(name: str) -> str:
        return str(item.get(name, {}).get("S", ""))

    return Request(key_hash=text("pk").removeprefix("approval#"), kind=text("kind"), client_id=text("client_id"),
                   client_name=text("client_name"), scope=text("scope"), ip=text("ip"), device=text("device"),
                   created_at=int(item["created_at"]["N"]), expires_at=int(item["expires_at"]["N"]),
                   number=text("number"), choices=tuple(c["S"] for c in item["choices"]["L"]),
                   interval=int(item["interval"]["N"]), last_poll=int(item["last_poll"]["N"]), status=text("status"),
                   sub=text("account_sub"), email=text("email"), locale=text("locale"))


def _get(key: dict[str, Any]) -> dict[str, Any] | None:
    found = aws.client("dynamodb").get_item(TableName=settings().table, Key=key, ConsistentRead=True).get("Item")
    return dict(found) if found else None


def by_secret(secret: str, kind: str) -> Request | None:
    """The request whose asker holds ``secret``, of ``kind``; None if there is none."""
    if not secret or len(secret) > 128:
        return None
    for key_hash in _hashes(secret):
        item = _get(_key(key_hash))
        if item is not None:
            found = _from_item(item)
            return found if found.kind == kind else None
    return None


def by_handle(normalised: str) -> Request | None:
    """The live request a (normalised) user code or request id names."""
    for handle_hash in _hashes(normalised):
        pointer = _get(_handle_key(handle_hash))
        if pointer is not None and int(pointer["expires_at"]["N"]) > time.time():
            item = _get(_key(pointer["target"]["S"]))
            return _from_item(item) if item else None
    return None


def _update(request: Request, expression: str, condition: str, values: dict[str, Any]) -> bool:
    """One conditional write to a live request; False when the condition no longer holds."""
    try:
        aws.client("dynamodb").update_item(
            TableName=settings().table, Key=_key(request.key_hash), UpdateExpression=expression,
            ConditionExpression=f"{condition} AND expires_at > :now", ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":now": {"N": str(int(time.time()))}, **values})
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
        return False
    return True


def decide(request: Request, *, approved: bool, sub: str, email: str, reason: str, locale: str) -> bool:
    """Approve or deny a pending request; False if it was decided already or has expired.
    ``locale``: the approver's, which the account's notice email speaks."""
    sets = {"account_sub": sub, "email": email, "reason": reason, "locale": locale}
    return _update(request, "SET #s = :status" + "".join(f", {n} = :{n}" for n in sets), "#s = :pending",
                   {":status": {"S": "approved" if approved else "denied"}, ":pending": {"S": "pending"},
                    **{f":{n}": {"S": v} for n, v in sets.items()}})


def claim(request: Request) -> bool:
    """Claim an approved request's session for this call: False while another call holds
    it. A claim older than a request can live (API Gateway's 29 s) is a dead call's, and
    is taken over: a session made by nobody is never lost to a timeout."""
    now = int(time.time())
    return _update(request, "SET claimed_at = :now", "#s = :approved AND (attribute_not_exists(claimed_at) "
                   "OR claimed_at < :stale)", {":approved": {"S": "approved"}, ":stale": {"N": str(now - CLAIM_FOR)}})


def finish(request: Request) -> bool:
    """The claimed session is being handed over: the request is used, and answers no one again."""
    return _update(request, "SET #s = :used", "#s = :approved", {":used": {"S": "used"},
                                                                  ":approved": {"S": "approved"}})


def give_back(request: Request) -> None:
    """Undo ``claim`` (and ``finish``) when the session could not be made: the asker may
    ask again and get one."""
    _update(request, "SET #s = :approved REMOVE claimed_at", "#s IN (:approved, :used)",
            {":approved": {"S": "approved"}, ":used": {"S": "used"}})


def polled(request: Request, now: int) -> bool:
    """Note a poll; True when it came before the interval was up (RFC 8628 §3.5
    ``slow_down``), which also lengthens the interval for every later poll."""
    early = request.last_poll and now < request.last_poll + request.interval
    expression = "SET last_poll = :now" + (" ADD #i :step" if early else "")
    aws.client("dynamodb").update_item(
        TableName=settings().table, Key=_key(request.key_hash), UpdateExpression=expression,
        **({"ExpressionAttributeNames": {"#i": "interval"}} if early else {}),
        ExpressionAttributeValues={":now": {"N": str(now)}, **({":step": {"N": str(SLOW_DOWN_STEP)}} if early else {})})
    return bool(early)
