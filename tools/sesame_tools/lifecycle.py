"""The account lifecycle, for operators: invite, list, show, disable, enable,
delete, sign out. Each change is stored first, then ends what it must, then
writes one audit event (with the operator's identity) and publishes its
EventBridge event. Returns plain data; never a secret.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from botocore.exceptions import ClientError

from chalicelib import accounts, audit, aws, errors, events, i18n, limits
from chalicelib.account import removal, signups
from chalicelib.config import settings
from chalicelib.limits import Bucket
from chalicelib.passkeys import store
from chalicelib.sessions import devices, flow, records
from chalicelib.signin import addresses
from chalicelib.signin import flow as signin
from chalicelib.times import iso


class AdminError(Exception):
    """Bad input or an unknown account: the command says so in one line."""


@dataclass(frozen=True)
class Account:
    email: str
    sub: str
    status: str
    enabled: bool
    created: str
    note: str = ""  # what a command that changed nothing says ("already disabled")

    def summary(self) -> dict[str, Any]:
        found = {"email": self.email, "sub": self.sub, "status": self.status, "enabled": self.enabled,
                 "created": self.created}
        return {**found, "note": self.note} if self.note else found


def _idp() -> Any:
    return aws.client("cognito-idp")


def _address(raw: str) -> str:
    try:
        return addresses.normalize(raw)
    except addresses.InvalidEmail:
        raise AdminError(f"not a valid email address: {raw[:80]!r}")


def _account(user: dict[str, Any]) -> Account:
    attributes = {a["Name"]: a["Value"] for a in user.get("Attributes", user.get("UserAttributes", []))}
    return Account(email=attributes.get("email", ""), sub=attributes.get("sub", user["Username"]),
                   status=user["UserStatus"] if attributes.get("email_verified") == "true" else "UNPROVEN",
                   enabled=bool(user.get("Enabled", True)),
                   created=user["UserCreateDate"].replace(microsecond=0).isoformat())


def find(raw_email: str) -> Account:
    email = _address(raw_email)
    try:
        return _account(_idp().admin_get_user(UserPoolId=settings().user_pool_id, Username=email))
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "UserNotFoundException":
            raise AdminError(f"no account for {email}")
        raise


def _audit(command: str, account: Account, caller: str) -> None:
    attempt = audit.Attempt(f"admin.{command}", method="admin", email=account.email, user_sub=account.sub,
                            extra={"caller": caller})
    audit.emit(attempt, "success", "ok")


def invite(raw_email: str, send: bool, caller: str, locale: str = i18n.DEFAULT, resend: bool = False,
           inviter: str = "") -> Account:
    """A proven account (address verified, CONFIRMED); ``send`` mails an invitation link now, in
    ``locale``, naming ``inviter`` if given. ``resend``: mail a new invitation to an invited
    account that never signed in. With ``send``, the address's email limit is checked before
    anything is created."""
    email = _address(raw_email)
    invitation = signin.Invitation(_inviter(inviter))
    if locale not in i18n.available():
        raise AdminError(f"no catalog for locale {locale!r}: {', '.join(i18n.available())}")
    if resend:
        return _reinvite(email, caller, locale, invitation)
    if send:
        _mailable(email)
    try:
        accounts.create(email, proven=True)
    except accounts.AccountExists:
        raise AdminError(f"an account for {email} exists already (--resend mails its invitation again)")
    account = find(email)
    _audit("invite", account, caller)
    events.publish(events.ACCOUNT_CREATED, account.sub, addresses.email_hash(email), method="invite")
    if send:
        _send_invitation(account, caller, locale, invitation)
    return account


def _inviter(raw: str) -> str:
    """The name an invitation is from: one short line of printable text (it goes in an email)."""
    name = " ".join(raw.split())
    if len(name) > 64 or not name.isprintable():
        raise AdminError("--from must be a name of at most 64 printable characters")
    return name


def _mailable(email: str) -> None:
    """Nothing is created for an address that cannot be mailed now (read only: the send counts)."""
    email_hash = addresses.email_hash(email)
    try:
        limits.reserve(Bucket("sign_in_email_minute", email_hash), Bucket("sign_in_email_hour", email_hash))
    except errors.RateLimited as exc:
        wait = exc.headers.get("Retry-After", "60")
        raise AdminError(f"{email} was mailed a moment ago: try again in {wait} s; nothing was created")


def _send_invitation(account: Account, caller: str, locale: str, invitation: signin.Invitation) -> None:
    try:
        signin.request_sign_in(account.email, None, f"admin:{caller}"[:64], locale, invitation)
    except errors.RateLimited as exc:
        raise AdminError(f"the account for {account.email} was created, but no invitation was sent (the address "
                         f"was mailed a moment ago); try --resend in {exc.headers.get('Retry-After', '60')} s")


def _reinvite(email: str, caller: str, locale: str, invitation: signin.Invitation) -> Account:
    account = find(email)
    if devices.last_sign_in(addresses.email_hash(email)) is not None:
        raise AdminError(f"{email} has signed in already: it needs no invitation")
    _mailable(email)
    _send_invitation(account, caller, locale, invitation)
    _audit("reinvite", account, caller)
    return account


def listing(disabled_only: bool, limit: int) -> tuple[list[Account], bool]:
    """Up to ``limit`` accounts, and whether there are more."""
    if not 1 <= limit <= 1000:
        raise AdminError("--limit must be between 1 and 1000")
    query: dict[str, Any] = {"UserPoolId": settings().user_pool_id}
    if disabled_only:
        query["Filter"] = 'status = "Disabled"'
    found: list[Account] = []
    for page in _idp().get_paginator("list_users").paginate(**query):
        found += [_account(user) for user in page.get("Users", [])]
        if len(found) >= limit:
            return _marking_leftovers(found[:limit]), len(found) > limit or bool(page.get("PaginationToken"))
    return _marking_leftovers(found), False


def _marking_leftovers(found: list[Account]) -> list[Account]:
    """Unproven accounts say whether they are a sign-up the clean-up will remove (batched reads)."""
    hours = int(signups.MAX_AGE.total_seconds() // 3600)
    marked = signups.leftovers([a.sub for a in found if a.status == "UNPROVEN"])
    return [replace(a, note=f"unproven sign-up: removed {hours} h after it was made") if a.sub in marked else a
            for a in found]


def show(raw_email: str) -> dict[str, Any]:
    account = find(raw_email)
    sessions = [{"device": r.device, "method": r.method, "created_at": iso(r.created_at),
                 "last_seen_at": iso(r.last_seen_at)} for r in records.of_user(account.sub)]
    keys = [{"name": p.name, "created_at": iso(p.created_at),
             "last_used_at": iso(p.last_used_at) if p.last_used_at else None} for p in store.of_user(account.sub)]
    return {**account.summary(), "last_sign_in": devices.last_sign_in(addresses.email_hash(account.email)),
            "sessions": sessions,
            "passkeys": keys}


def disable(raw_email: str, caller: str) -> Account:
    """The account disabled and its sessions ended; its state after (or "already disabled")."""
    account = find(raw_email)
    if not account.enabled:
        return replace(account, note="already disabled, nothing changed")
    _idp().admin_disable_user(UserPoolId=settings().user_pool_id, Username=account.sub)
    flow.end_all(account.sub)
    _audit("disable", account, caller)
    events.publish(events.ACCOUNT_DISABLED, account.sub, addresses.email_hash(account.email))
    return replace(account, enabled=False)  # the state after: Cognito accepted the change


def enable(raw_email: str, caller: str) -> Account:
    """The account enabled; its state after (or "already enabled")."""
    account = find(raw_email)
    if account.enabled:
        return replace(account, note="already enabled, nothing changed")
    _idp().admin_enable_user(UserPoolId=settings().user_pool_id, Username=account.sub)
    _audit("enable", account, caller)
    events.publish(events.ACCOUNT_ENABLED, account.sub, addresses.email_hash(account.email))
    return replace(account, enabled=True)


def sign_out(raw_email: str, caller: str) -> Account:
    account = find(raw_email)
    flow.end_all(account.sub)
    _audit("sign_out", account, caller)
    return account


def delete(raw_email: str, caller: str) -> Account:
    """Every session ends, then the account, its records and pending challenges go
    (``account.removal``, the path the owner's own delete takes). Audit records stay, keyed by hash."""
    account = find(raw_email)
    removed = removal.remove(account.sub, account.email, actor=f"admin:{caller}")
    _audit("delete", account, caller)
    keys = f" ({', '.join(removed.passkeys)})" if removed.passkeys else ""
    return replace(account, note=f"removed the account, {removed.sessions} session(s), "
                                 f"{len(removed.passkeys)} passkey(s){keys}, its known browsers and pending codes")
