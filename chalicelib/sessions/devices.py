"""Known browsers: a long-lived random cookie tells a browser that signed in
before from a new one, so a sign-in from a new browser can be mailed.

The cookie's value is stored only as a keyed hash, in ``devices#<sub>``: the
set of the account's known browsers. No such item means the account has
never signed in (no email then: the very first sign-in is expected).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any

from chalicelib import aws, params
from chalicelib.config import settings

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
    return browser if browser and browser != "Other" else "Unknown device"


def _hash(value: str) -> str:
    return hmac.new(params.secret(params.EMAIL_HASH_KEY), f"device:{value}".encode(), hashlib.sha256).hexdigest()


def _key(sub: str) -> dict[str, Any]:
    return {"pk": {"S": f"devices#{sub}"}}


def recognise(sub: str, client: Client) -> tuple[bool, str]:
    """(whether to tell the account about a new browser, the device cookie value to keep).

    Remembers this browser for the account either way.
    """
    value = client.device_cookie
    if not value or len(value) != _VALUE_LENGTH or not value.replace("-", "").replace("_", "").isalnum():
        value = secrets.token_urlsafe(32)
    hashed = _hash(value)
    now = int(time.time())
    # One call: the write returns the item as it was (none for the account's first browser).
    known = aws.client("dynamodb").update_item(
        TableName=settings().table, Key=_key(sub),
        UpdateExpression="ADD hashes :h SET #ttl = :ttl, last_sign_in = :now", ExpressionAttributeNames={"#ttl": "ttl"},
        ExpressionAttributeValues={":h": {"SS": [hashed]}, ":ttl": {"N": str(now + MAX_AGE)}, ":now": {"N": str(now)}},
        ReturnValues="ALL_OLD").get("Attributes")
    seen = set(known.get("hashes", {}).get("SS", [])) if known else set()
    return known is not None and hashed not in seen, value


def last_sign_in(sub: str) -> str | None:
    """When the account last signed in (ISO 8601), if it ever did."""
    from chalicelib.sessions.flow import iso

    item = aws.client("dynamodb").get_item(TableName=settings().table, Key=_key(sub), ConsistentRead=True).get("Item")
    return iso(int(item["last_sign_in"]["N"])) if item and "last_sign_in" in item else None


def forget(sub: str) -> None:
    """Drop the account's known browsers (the account is being deleted)."""
    aws.client("dynamodb").delete_item(TableName=settings().table, Key=_key(sub))
