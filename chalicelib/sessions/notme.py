""""This wasn't me": the link in the new-device email (and in the notice that an
account's address changed) that secures the account.

Like the sign-in link: ``<id>.<KMS ciphertext>`` in the URL fragment, single
use (``notme#<id>`` in DynamoDB), expiring after a week. It names the sign-in
it reports (that session's public id and time). Redeeming it ends every
session of the account, kills any pending code or link, and removes every
passkey added from the reported session or since it began: an intruder who
enrolled one cannot walk back in. The undo link of an address change also
puts the old address back. It signs nobody in.

Single use under any concurrency: a click first claims the link (a
conditional write), so exactly one does the work and sends one email. A click
whose work fails gives its claim back, so the link can be used again.
"""

from __future__ import annotations

import hmac
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from chalicelib import accounts, audit, aws, errors, events, mail
from chalicelib.config import settings
from chalicelib.passkeys import store
from chalicelib.sessions import flow
from chalicelib.signin import addresses, challenges, linktoken

PURPOSE = "sesame-not-me"
LIFETIME = 7 * 86400
CLAIM_SECONDS = 30  # a click that died half-way holds the link no longer than this
_TOKEN = re.compile(rf"({challenges.ID_PATTERN})\.([A-Za-z0-9_-]{{16,2000}})")


@dataclass(frozen=True)
class Report:
    """What the link reports: the sign-in (its session's public id, its start) or the change."""

    session_sid: str = ""
    since: int = 0
    restore: str = ""  # an address change's undo: the address to put back
    changed_to: str = ""


@dataclass(frozen=True)
class Secured:
    sub: str
    sessions_ended: int
    passkeys_removed: list[str] = field(default_factory=list)
    address_restored: bool = False

    def body(self) -> dict[str, Any]:
        return {"status": "secured", "sessions_ended": self.sessions_ended,
                "passkeys_removed": self.passkeys_removed, "address_restored": self.address_restored}


def _key(link_id: str) -> dict[str, Any]:
    return {"pk": {"S": f"notme#{link_id}"}}


def link(sub: str, email: str, locale: str, report: Report) -> str:
    """A new "this wasn't me" URL for the account (whose address is ``email``; its
    emails speak ``locale``) about ``report``."""
    link_id, nonce, expires = challenges.new_id(), secrets.token_urlsafe(24), int(time.time()) + LIFETIME
    sealed = linktoken.encrypt({"i": link_id, "s": sub, "n": nonce, "x": expires}, PURPOSE)
    optional = {"session_sid": report.session_sid, "restore": report.restore, "changed_to": report.changed_to}
    aws.client("dynamodb").put_item(TableName=settings().table, Item={
        **_key(link_id), "account_sub": {"S": sub}, "email_hash": {"S": addresses.email_hash(email)},
        "email": {"S": email}, "locale": {"S": locale}, "since": {"N": str(report.since)},
        **{name: {"S": value} for name, value in optional.items() if value},
        "nonce_hash": {"S": challenges.nonce_hash(nonce)}, "used": {"BOOL": False},
        "ttl": {"N": str(expires)}})
    return f"{settings().public_url}/not-me#token={link_id}.{sealed}"


def _check(token: object) -> tuple[str, dict[str, Any]]:
    """The token's link id and stored item, if it is ours and unexpired; ``InvalidLink`` otherwise."""
    match = _TOKEN.fullmatch(token) if isinstance(token, str) and len(token) <= linktoken.MAX_LENGTH else None
    if match is None:
        raise linktoken.InvalidLink("malformed")
    data = linktoken.decrypt(match.group(2), PURPOSE)
    if data.get("i") != match.group(1) or not isinstance(data.get("x"), int) or data["x"] <= time.time():
        raise linktoken.InvalidLink("expired or mismatched")
    item = aws.client("dynamodb").get_item(TableName=settings().table, Key=_key(match.group(1)),
                                           ConsistentRead=True).get("Item")
    if (item is None
            or not hmac.compare_digest(item["nonce_hash"]["S"], challenges.nonce_hash(str(data.get("n"))))
            or not hmac.compare_digest(item["account_sub"]["S"], str(data.get("s")))):
        raise linktoken.InvalidLink("foreign")
    return match.group(1), dict(item)


def _update(link_id: str, expression: str, condition: str, values: dict[str, Any]) -> bool:
    """One conditional write to the link's item; False when the condition failed."""
    try:
        aws.client("dynamodb").update_item(TableName=settings().table, Key=_key(link_id), UpdateExpression=expression,
                                           ConditionExpression=condition, ExpressionAttributeValues=values)
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True


def _claim(link_id: str, claim: str) -> bool:
    now = int(time.time())
    return _update(link_id, "SET claimed_by = :me, claimed_at = :now",
                   "used = :no AND (attribute_not_exists(claimed_at) OR claimed_at < :stale)",
                   {":me": {"S": claim}, ":now": {"N": str(now)}, ":no": {"BOOL": False},
                    ":stale": {"N": str(now - CLAIM_SECONDS)}})


def _give_back(link_id: str, claim: str) -> None:
    _update(link_id, "REMOVE claimed_by, claimed_at", "claimed_by = :me", {":me": {"S": claim}})


def _spend(link_id: str, claim: str) -> None:
    _update(link_id, "SET used = :yes", "claimed_by = :me", {":yes": {"BOOL": True}, ":me": {"S": claim}})


def _open(token: object) -> tuple[str, dict[str, Any]]:
    try:
        return _check(token)
    except linktoken.InvalidLink:
        raise errors.InvalidLink()
    except linktoken.LinkUnavailable:
        raise errors.ServiceUnavailable()


def secure(token: object) -> Secured:
    """Redeem a "this wasn't me" token (see the module's docstring). ``errors.InvalidLink``
    for an expired or tampered token, ``errors.LinkUsed`` for one used already,
    ``errors.ServiceUnavailable`` if KMS fails."""
    link_id, item = _open(token)
    sub = str(item["account_sub"]["S"])
    audit.note(user_sub=sub, email_hash=item["email_hash"]["S"])
    claim = secrets.token_urlsafe(12)
    try:
        if not _claim(link_id, claim):
            raise errors.LinkUsed()
        secured = _secure(sub, item)
    except errors.DEPENDENCY_FAILURES:
        audit.best_effort("not_me.release_failed", lambda: _give_back(link_id, claim))
        raise
    # The account is secured whatever happens from here: a link left claimed a while
    # longer, or a confirmation not sent, is logged, not answered.
    audit.best_effort("not_me.spend_failed", lambda: _spend(link_id, claim))
    if "email" in item:  # a link made before addresses were stored with it has none
        audit.best_effort("not_me.confirm_failed", lambda: mail.send_account_secured(
            item["email"]["S"], _value(item, "locale") or "en", secured.passkeys_removed, secured.sessions_ended))
    events.publish(events.ACCOUNT_SECURED, sub, item["email_hash"]["S"], sessions_ended=str(secured.sessions_ended),
                   passkeys_removed=str(len(secured.passkeys_removed)))
    return secured


def _value(item: dict[str, Any], name: str) -> str:
    return str(item.get(name, {}).get("S", ""))


def _secure(sub: str, item: dict[str, Any]) -> Secured:
    """The work, idempotent: a repeated click after a failure does it again safely."""
    restored = _restore(sub, _value(item, "restore"))
    ended = flow.end_all(sub)
    challenges.invalidate(item["email_hash"]["S"])
    if _value(item, "changed_to"):
        challenges.invalidate(addresses.email_hash(_value(item, "changed_to")))
    since, session = int(item.get("since", {}).get("N", "0")), _value(item, "session_sid")
    removed = [p for p in store.of_user(sub)
               if (session and p.added_in == session) or (since and p.created_at >= since)]
    for passkey in removed:
        store.remove(passkey)
    return Secured(sub, ended, [p.name for p in removed], restored)


def _restore(sub: str, address: str) -> bool:
    """Put the old address back; False when it is not ours to take any more."""
    if not address:
        return False
    try:
        accounts.change_address(sub, address)
    except accounts.AccountExists:
        return False
    return True

