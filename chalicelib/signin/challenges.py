"""Sign-in challenges in DynamoDB.

Two items per sign-in request, written in one transaction:

* ``challenge#<id>``: who (address and its keyed hash), the code's HMAC, the
  link nonce's hash, expiry, attempt counter, used flag, redirect, kind.
* ``account#<email hash>``: the account's *current* challenge id. A new
  request overwrites it, which is what makes earlier codes and links dead.

A challenge is one credential: the code and the link both consume it, through
a conditional transaction that also checks it is still the current one.

Cognito retries a trigger that fails or overruns its 5 seconds, with the same
event, while the first attempt may still have done its writes. So attempts and
consumption are recorded per Cognito flow (a random id the Create trigger put
in the private challenge parameters): a retry of the same flow is recognised,
counts no second attempt, and finds the challenge consumed by itself.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from chalicelib import aws
from chalicelib.config import settings

SIGN_IN_KINDS = ("sign_in", "sign_up")  # what the sign-in routes redeem
# ``step_up``: a signed-in session confirms itself (bound to its origin_jti);
# ``address_change``: an account's new address proves its mailbox (bound to its sub).
KINDS = (*SIGN_IN_KINDS, "no_account", "step_up", "address_change")


@dataclass(frozen=True)
class Challenge:
    challenge_id: str
    email: str
    email_hash: str
    code_mac: str
    nonce_hash: str
    expires_at: int
    kind: str
    redirect: str
    attempts: int = 0
    used: bool = False
    flows: frozenset[str] = frozenset()  # Cognito flows that counted an attempt
    used_by: str = ""  # the flow that consumed it
    locale: str = "en"  # the language of the browser that asked: later emails speak it too
    bound_to: str = ""  # step_up: the session's origin_jti; address_change: the account's sub
    was: str = ""  # address_change: the account's address when it asked

    def redeemable(self, now: float, max_attempts: int, kinds: tuple[str, ...] = SIGN_IN_KINDS) -> bool:
        """Unused, unexpired, of a kind the caller redeems, and not killed by wrong
        codes (3 wrong codes kill the link too: one challenge, one credential)."""
        return not self.used and now < self.expires_at and self.kind in kinds and self.attempts < max_attempts

    @property
    def pointer(self) -> dict[str, Any]:
        """The item naming the current challenge: a new one kills the last. Per
        address for sign-in, per session for a step-up, per account for a change
        of address (so neither kills a pending sign-in of another browser)."""
        if self.kind in (*SIGN_IN_KINDS, "no_account"):
            return _key("account", self.email_hash)
        return pointer(self.kind, self.bound_to)


ID_PATTERN = r"[A-Za-z0-9_-]{16,64}"  # token_urlsafe(24) is 32 of these
_ID = re.compile(ID_PATTERN)


def is_id(value: object) -> bool:
    return isinstance(value, str) and _ID.fullmatch(value) is not None


def new_id() -> str:
    return secrets.token_urlsafe(24)


def nonce_hash(nonce: str) -> str:
    return hashlib.sha256(nonce.encode("utf-8")).hexdigest()


def _key(prefix: str, value: str) -> dict[str, Any]:
    return {"pk": {"S": f"{prefix}#{value}"}}


def pointer(kind: str, bound_to: str) -> dict[str, Any]:
    """The key of the item naming the current ``step_up`` or ``address_change`` challenge of ``bound_to``."""
    return _key(kind, bound_to)


def current(key: dict[str, Any]) -> str | None:
    """The id of the challenge a pointer item names, if any."""
    item = aws.client("dynamodb").get_item(TableName=settings().table, Key=key, ConsistentRead=True).get("Item")
    found = item.get("challenge", {}).get("S") if item else None
    return str(found) if is_id(found) else None


def pk(challenge_id: str) -> str:
    """The challenge's key in the table (for a read batched with others: ``limits.reserve``)."""
    return str(_key("challenge", challenge_id)["pk"]["S"])


def _item(ch: Challenge) -> dict[str, Any]:
    return {
        **_key("challenge", ch.challenge_id),
        "email": {"S": ch.email}, "email_hash": {"S": ch.email_hash},
        "code_mac": {"S": ch.code_mac}, "nonce_hash": {"S": ch.nonce_hash},
        "expires_at": {"N": str(ch.expires_at)}, "ttl": {"N": str(ch.expires_at + 3600)},
        "kind": {"S": ch.kind}, "redirect": {"S": ch.redirect},
        "attempts": {"N": "0"}, "used": {"BOOL": False}, "locale": {"S": ch.locale},
        **({"bound_to": {"S": ch.bound_to}} if ch.bound_to else {}),
        **({"was": {"S": ch.was}} if ch.was else {}),
    }


def from_item(item: dict[str, Any]) -> Challenge:
    return Challenge(
        challenge_id=item["pk"]["S"].split("#", 1)[1], email=item["email"]["S"],
        email_hash=item["email_hash"]["S"], code_mac=item["code_mac"]["S"],
        nonce_hash=item["nonce_hash"]["S"], expires_at=int(item["expires_at"]["N"]),
        kind=item["kind"]["S"], redirect=item["redirect"]["S"],
        attempts=int(item["attempts"]["N"]), used=item["used"]["BOOL"],
        flows=frozenset(item.get("flows", {}).get("SS", [])), used_by=item.get("used_by", {}).get("S", ""),
        locale=item.get("locale", {}).get("S", "en"), bound_to=item.get("bound_to", {}).get("S", ""),
        was=item.get("was", {}).get("S", ""),
    )


def writes(ch: Challenge) -> tuple[dict[str, Any], ...]:
    """The transaction items that store ``ch`` and make it the account's only
    live challenge (no conditions: they go into the limiter's transaction)."""
    pointer = {**ch.pointer, "challenge": {"S": ch.challenge_id}, "ttl": {"N": str(ch.expires_at + 3600)}}
    table = settings().table
    return ({"Put": {"TableName": table, "Item": _item(ch)}}, {"Put": {"TableName": table, "Item": pointer}})


def withdraw(ch: Challenge) -> None:
    """Undo ``writes`` for a challenge whose email never went out: delete it and
    point the account at none, unless a newer request has replaced it already."""
    table = settings().table
    try:
        aws.client("dynamodb").transact_write_items(TransactItems=[
            {"Delete": {"TableName": table, "Key": _key("challenge", ch.challenge_id)}},
            {"Update": {"TableName": table, "Key": ch.pointer,
                        "UpdateExpression": "SET challenge = :none", "ConditionExpression": "challenge = :id",
                        "ExpressionAttributeValues": {":none": {"S": "none"}, ":id": {"S": ch.challenge_id}}}},
        ])
    except ClientError as exc:
        # Not current (never stored, or replaced): nothing can redeem it.
        if exc.response["Error"]["Code"] != "TransactionCanceledException":
            raise


def invalidate(email_hash: str) -> None:
    """Kill the account's pending code and link: no challenge is current any more."""
    aws.client("dynamodb").put_item(TableName=settings().table, Item={
        **_key("account", email_hash), "challenge": {"S": "none"},
        "ttl": {"N": str(int(time.time()) + settings().code_ttl + 3600)}})


def forget(email_hash: str) -> None:
    """Delete the account's pending challenge and its pointer (the account is being deleted)."""
    ddb, table = aws.client("dynamodb"), settings().table
    pointer = ddb.get_item(TableName=table, Key=_key("account", email_hash), ConsistentRead=True).get("Item")
    if pointer and is_id(pointer.get("challenge", {}).get("S")):
        ddb.delete_item(TableName=table, Key=_key("challenge", pointer["challenge"]["S"]))
    ddb.delete_item(TableName=table, Key=_key("account", email_hash))


def get(challenge_id: str) -> Challenge | None:
    item = aws.client("dynamodb").get_item(
        TableName=settings().table, Key=_key("challenge", challenge_id), ConsistentRead=True,
    ).get("Item")
    return from_item(item) if item else None


def count_attempt(challenge_id: str, email: str, max_attempts: int, flow: str) -> Challenge | None:
    """Count one code attempt for Cognito flow ``flow``; None when the challenge
    is dead or not this account's. A retried flow is not counted again.

    Matched on the stored address, not its hash, so rotating the hash key
    does not break challenges in flight.
    """
    try:
        item = aws.client("dynamodb").update_item(
            TableName=settings().table, Key=_key("challenge", challenge_id),
            UpdateExpression="ADD attempts :one, flows :flow",
            ConditionExpression=("attribute_exists(pk) AND used = :no AND attempts < :max "
                                 "AND expires_at > :now AND email = :who AND NOT contains(flows, :id)"),
            ExpressionAttributeValues={
                ":one": {"N": "1"}, ":no": {"BOOL": False}, ":max": {"N": str(max_attempts)},
                ":now": {"N": str(int(time.time()))}, ":who": {"S": email},
                ":flow": {"SS": [flow]}, ":id": {"S": flow}},
            ReturnValues="ALL_NEW",
        )["Attributes"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return _counted_before(challenge_id, email, flow)
        raise
    return from_item(item)


def _counted_before(challenge_id: str, email: str, flow: str) -> Challenge | None:
    """The challenge, if this very flow already counted its attempt (a retry)."""
    found = get(challenge_id)
    if found is not None and flow in found.flows and found.email == email:
        return found
    return None


def consume(challenge_id: str, email_hash: str, flow: str, attempt: str = "",
            pointer: dict[str, Any] | None = None) -> bool:
    """Mark the challenge used by ``flow``, if it is unused, live and still the
    current one (``pointer``, the address's by default); True also when ``flow``
    itself consumed it before (a retry). ``attempt`` is the API's id for the
    request (see ``release``)."""
    table = settings().table
    try:
        aws.client("dynamodb").transact_write_items(TransactItems=[
            {"Update": {
                "TableName": table, "Key": _key("challenge", challenge_id),
                "UpdateExpression": "SET used = :yes, used_by = :flow, used_in = :attempt",
                "ConditionExpression": "used = :no AND expires_at > :now AND email_hash = :who",
                "ExpressionAttributeValues": {
                    ":yes": {"BOOL": True}, ":no": {"BOOL": False}, ":flow": {"S": flow}, ":attempt": {"S": attempt},
                    ":now": {"N": str(int(time.time()))}, ":who": {"S": email_hash}},
            }},
            {"ConditionCheck": {
                "TableName": table, "Key": pointer or _key("account", email_hash),
                "ConditionExpression": "challenge = :id",
                "ExpressionAttributeValues": {":id": {"S": challenge_id}},
            }},
        ])
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "TransactionCanceledException":
            found = get(challenge_id)
            return found is not None and found.used and hmac.compare_digest(found.used_by, flow)
        raise
    return True


def release(challenge_id: str, attempt: str) -> bool:
    """Make the challenge redeemable again if API request ``attempt`` consumed it
    but signed nobody in (its answer from Cognito was lost, or what follows
    failed). Never a challenge another request consumed. True when released."""
    try:
        aws.client("dynamodb").update_item(
            TableName=settings().table, Key=_key("challenge", challenge_id),
            UpdateExpression="SET used = :no REMOVE used_by, used_in",
            ConditionExpression="used = :yes AND used_in = :attempt",
            ExpressionAttributeValues={":no": {"BOOL": False}, ":yes": {"BOOL": True}, ":attempt": {"S": attempt}})
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True
