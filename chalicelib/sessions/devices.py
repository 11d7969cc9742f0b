"""Known browsers: a long-lived random cookie tells a browser that signed in
before from a new one, so a sign-in from a new browser can be mailed.

The cookie's value is stored only as a keyed hash, in ``devices#<email hash>``:
the set of the account's known browsers. No such item means the account has
never signed in (no email then: the very first sign-in is expected). It is
keyed by the address's hash so that a sign-in request, which knows only the
address, reads it with its rate limits in one call: a known browser has
request limits of its own, so strangers asking for the owner's address never
lock the owner's own browsers out (OWASP's device-cookie lockout defence).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any

from chalicelib import aws, i18n, params
from chalicelib.config import settings
from chalicelib.times import iso

COOKIE = "__Host-sesame-device"
MAX_AGE = 400 * 86400  # browsers cap cookie lifetimes at 400 days
_VALUE_LENGTH = 43  # token_urlsafe(32)


@dataclass(frozen=True)
class Client:
    """Who is signing in, as the request shows it."""

    ip: str
    user_agent: str
    device_cookie: str | None
    locale: str = "en"  # the language its emails speak (chalicelib.i18n)


def label(user_agent: str) -> str:
    """"Firefox on Windows", from a maintained User-Agent parser; "Unknown device" when it cannot tell."""
    from ua_parser import parse  # its rules load on first use: only sign-ins pay for them

    found = parse(user_agent[:512])
    browser = found.user_agent.family if found.user_agent else None
    system = found.os.family if found.os else None
    if browser and system and browser != "Other" and system != "Other":
        return f"{browser} on {system}"
    return browser if browser and browser != "Other" else i18n.UNKNOWN_DEVICE


def _hash(value: str) -> str:
    return hmac.new(params.secret(params.EMAIL_HASH_KEY), f"device:{value}".encode(), hashlib.sha256).hexdigest()


def hashed(cookie: str | None) -> str | None:
    """The keyed hash of a well-formed device cookie, else None."""
    if not cookie or len(cookie) != _VALUE_LENGTH or not cookie.replace("-", "").replace("_", "").isalnum():
        return None
    return _hash(cookie)


def pk(email_hash: str) -> str:
    """The account's known browsers' key (for a read batched with others: ``limits.reserve``)."""
    return f"devices#{email_hash}"


def _key(email_hash: str) -> dict[str, Any]:
    return {"pk": {"S": pk(email_hash)}}


def knows(item: dict[str, Any] | None, device_hash: str | None) -> bool:
    """Whether the known-browsers item lists this browser."""
    return bool(item and device_hash and device_hash in item.get("hashes", {}).get("SS", []))


def recognise(email_hash: str, client: Client) -> tuple[bool, str]:
    """(whether to tell the account about a new browser, the device cookie value to keep).

    Remembers this browser for the account either way.
    """
    value = client.device_cookie if hashed(client.device_cookie) else secrets.token_urlsafe(32)
    assert value is not None
    device = _hash(value)
    now = int(time.time())
    # One call: the write returns the item as it was (none for the account's first browser).
    known = aws.client("dynamodb").update_item(
        TableName=settings().table, Key=_key(email_hash),
        UpdateExpression="ADD hashes :h SET #ttl = :ttl, last_sign_in = :now", ExpressionAttributeNames={"#ttl": "ttl"},
        ExpressionAttributeValues={":h": {"SS": [device]}, ":ttl": {"N": str(now + MAX_AGE)}, ":now": {"N": str(now)}},
        ReturnValues="ALL_OLD").get("Attributes")
    return known is not None and not knows(known, device), value


def _read(email_hash: str) -> dict[str, Any] | None:
    found: dict[str, Any] | None = aws.client("dynamodb").get_item(
        TableName=settings().table, Key=_key(email_hash), ConsistentRead=True).get("Item")
    return found


def last_sign_in(email_hash: str) -> str | None:
    """When the account last signed in (ISO 8601), if it ever did."""
    item = _read(email_hash)
    return iso(int(item["last_sign_in"]["N"])) if item and "last_sign_in" in item else None


def forget(email_hash: str) -> None:
    """Drop the account's known browsers (the account is being deleted)."""
    aws.client("dynamodb").delete_item(TableName=settings().table, Key=_key(email_hash))


def move(old_hash: str, new_hash: str) -> None:
    """The account's address changed: its known browsers stay known. Safe to repeat."""
    item = _read(old_hash)
    if item is None:
        return
    aws.client("dynamodb").put_item(TableName=settings().table, Item={**item, **_key(new_hash)})
    forget(old_hash)
