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


def link_url(token: str) -> str:
    # The token rides in the fragment: browsers never send it to a server.
    return f"{settings().public_url}/sign-in/link#token={token}"


def send_challenge(kind: str, to: str, code: str, link: str, locale: str) -> None:
    """The sign-in, sign-up, invitation or no-account email (``kind``) to ``to``, an address already validated."""
    email = render(kind, locale, kind=kind, code=code, link=link, minutes=settings().code_ttl // 60)
    outbox.send(to, email)


def send_new_device(to: str, device: str, when: int, ip: str, link: str, locale: str) -> None:
    """Tell the account about a sign-in from a new browser (``when``: epoch seconds)."""
    outbox.send(to, render("new_device", locale, device=device, when=i18n.when(locale, when), ip=ip, link=link))


def send_passkey_added(to: str, name: str, device: str, when: int, locale: str) -> None:
    """Tell the account a passkey was added to it."""
    outbox.send(to, render("passkey_added", locale, name=name, device=device, when=i18n.when(locale, when)))


def send_account_secured(to: str, locale: str) -> None:
    """Confirm that a "this wasn't me" link secured the account."""
    outbox.send(to, render("account_secured", locale, link=f"{settings().public_url}/"))
