"""The emails Sesame sends: rendered from templates (``render``) in the
reader's language, sent through SES (``outbox``).

The sign-in request checks the suppression list itself (it must answer the
same either way, and record it); the notices here rely on SES, which accepts
and drops a message to a suppressed address.
"""

from __future__ import annotations

from chalicelib import i18n
from chalicelib.config import settings
from chalicelib.mail import outbox
from chalicelib.mail.composer import render


def link_url(token: str, page: str = "/sign-in/link") -> str:
    # The token rides in the fragment: browsers never send it to a server.
    return f"{settings().public_url}{page}#token={token}"


def send_challenge(kind: str, to: str, code: str, link: str, locale: str) -> None:
    """The sign-in, sign-up, invitation or no-account email (``kind``) to ``to``, an address already validated."""
    email = render(kind, locale, kind=kind, code=code, link=link, minutes=settings().code_ttl // 60)
    outbox.send(to, email)


def send_invitation(to: str, link: str, days: int, inviter: str, locale: str) -> None:
    """An operator's invitation: the link (valid ``days``), who invited (``inviter``, may be ""),
    and how to sign in once it has expired."""
    outbox.send(to, render("invitation", locale, link=link, days=days, inviter=inviter,
                           home=f"{settings().public_url}/"))


def send_new_device(to: str, device: str, when: int, ip: str, link: str, locale: str, approved: bool = False) -> None:
    """Tell the account about a sign-in from a new browser, or one it ``approved`` from
    another device (``when``: epoch seconds)."""
    outbox.send(to, render("new_device", locale, device=device, when=i18n.when(locale, when), ip=ip, link=link,
                           approved=approved))


def send_passkey_added(to: str, name: str, device: str, when: int, locale: str) -> None:
    """Tell the account a passkey was added to it."""
    outbox.send(to, render("passkey_added", locale, kind="passkey_added", name=name, device=device,
                           when=i18n.when(locale, when)))


def send_passkey_removed(to: str, name: str, device: str, when: int, locale: str) -> None:
    """Tell the account a passkey was removed from it."""
    outbox.send(to, render("passkey_removed", locale, kind="passkey_removed", name=name, device=device,
                           when=i18n.when(locale, when)))


def send_account_secured(to: str, locale: str, passkeys_removed: list[str], sessions_ended: int) -> None:
    """Confirm that a "this wasn't me" link secured the account, naming what it removed."""
    outbox.send(to, render("account_secured", locale, link=f"{settings().public_url}/", passkeys=passkeys_removed,
                           sessions=sessions_ended))


def send_address_changed(to: str, new_address: str, when: int, undo: str, locale: str) -> None:
    """Tell the old address that the account moved to ``new_address``, with the link that undoes it."""
    outbox.send(to, render("address_changed", locale, new_address=new_address, when=i18n.when(locale, when),
                           link=undo))


def send_account_deleted(to: str, locale: str) -> None:
    """Confirm to the owner that their account is gone."""
    outbox.send(to, render("account_deleted", locale))
