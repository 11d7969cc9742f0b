""""This wasn't me": the link in the new-device email that secures the account.

Like the sign-in link: ``<id>.<KMS ciphertext>`` in the URL fragment, single
use (``notme#<id>`` in DynamoDB), expiring after a week. Redeeming it ends
every session of the account and kills any pending code or link; it signs
nobody in.
"""

from __future__ import annotations

import hmac
import re
import secrets
import time
from typing import Any

from botocore.exceptions import ClientError

from chalicelib import addresses, audit, aws, challenges, errors, linktoken, mail
from chalicelib.config import settings
from chalicelib.sessions import flow

PURPOSE = "sesame-not-me"
LIFETIME = 7 * 86400
_TOKEN = re.compile(rf"({challenges.ID_PATTERN})\.([A-Za-z0-9_-]{{16,2000}})")


def _key(link_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"notme#{link_id}"}}


def link(sub: str, email: str, locale: str) -> str:
    """A new "this wasn't me" URL for the account (whose address is ``email``; its
    emails speak ``locale``)."""
    link_id, nonce, expires = challenges.new_id(), secrets.token_urlsafe(24), int(time.time()) + LIFETIME
    sealed = linktoken.encrypt({"i": link_id, "s": sub, "n": nonce, "x": expires}, PURPOSE)
    aws.client("dynamodb").put_item(TableName=settings().table, Item={
        **_key(link_id), "account_sub": {"S": sub}, "email_hash": {"S": addresses.email_hash(email)},
        "email": {"S": email}, "locale": {"S": locale},
        "nonce_hash": {"S": challenges.nonce_hash(nonce)}, "used": {"BOOL": False},
        "ttl": {"N": str(expires)}})
    return f"{settings().public_url}/not-me#token={link_id}.{sealed}"


def _check(token: object) -> tuple[str, dict[str, Any]]:
    """The token's link id and stored item, if it is ours, unexpired and unused; ``InvalidLink`` otherwise."""
    match = _TOKEN.fullmatch(token) if isinstance(token, str) and len(token) <= linktoken.MAX_LENGTH else None
    if match is None:
        raise linktoken.InvalidLink("malformed")
    data = linktoken.decrypt(match.group(2), PURPOSE)
    if data.get("i") != match.group(1) or not isinstance(data.get("x"), int) or data["x"] <= time.time():
        raise linktoken.InvalidLink("expired or mismatched")
    item = aws.client("dynamodb").get_item(TableName=settings().table, Key=_key(match.group(1)),
                                           ConsistentRead=True).get("Item")
    if (item is None or item["used"]["BOOL"]
            or not hmac.compare_digest(item["nonce_hash"]["S"], challenges.nonce_hash(str(data.get("n"))))
            or not hmac.compare_digest(item["account_sub"]["S"], str(data.get("s")))):
        raise linktoken.InvalidLink("used or foreign")
    return match.group(1), dict(item)


def _spend(link_id: str) -> None:
    """Mark the link used, once its work is done (a click racing this one did the
    same work)."""
    try:
        aws.client("dynamodb").update_item(
            TableName=settings().table, Key=_key(link_id), UpdateExpression="SET used = :yes",
            ConditionExpression="used = :no",
            ExpressionAttributeValues={":yes": {"BOOL": True}, ":no": {"BOOL": False}})
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise


def secure(token: object) -> str:
    """Redeem a "this wasn't me" token: end every session, kill pending
    credentials. Returns the account's sub. ``errors.InvalidLink`` for a
    used, expired or tampered token; ``errors.ServiceUnavailable`` if KMS fails.

    The link is spent only after the work is done (the work is idempotent): a
    failure half-way leaves it working, so the click can be repeated."""
    try:
        link_id, item = _check(token)
    except linktoken.InvalidLink:
        raise errors.InvalidLink()
    except linktoken.LinkUnavailable:
        raise errors.ServiceUnavailable()
    sub = str(item["account_sub"]["S"])
    audit.note(user_sub=sub)
    flow.end_all(sub)
    challenges.invalidate(item["email_hash"]["S"])
    # The account is secured whatever happens from here: a link left working a
    # while longer, or a confirmation not sent, is logged, not answered.
    audit.best_effort("not_me.spend_failed", lambda: _spend(link_id))
    if "email" in item:  # a link made before addresses were stored with it has none
        audit.best_effort("not_me.confirm_failed", lambda: mail.send_account_secured(
            item["email"]["S"], item.get("locale", {}).get("S", "en")))
    return sub

