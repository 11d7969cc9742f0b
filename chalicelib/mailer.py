"""Sesame's emails (sign-in, sign-up, no account, new device): one message with a text and an HTML part, sent as raw
MIME through SES v2 so both parts reach the reader (and the dev mailbox)."""

from __future__ import annotations

import html
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from chalicelib import aws
from chalicelib.config import settings

_SUBJECTS = {
    "sign_in": "Your Sesame sign-in code",
    "sign_up": "Finish creating your Sesame account",
    "no_account": "Sign-in attempt for Sesame",
}

_HTML = """<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#1f2328;max-width:32rem">
<h1 style="font-size:1.25rem">{title}</h1>
{body}
<p style="color:#59636e;font-size:.85rem">If you did not ask for this, ignore this email: nothing happens
until the code or link is used. Both expire in {minutes} minutes and work once.</p>
</body></html>"""

_CODE_HTML = """<p>{intro}</p>
<p style="font-size:2rem;letter-spacing:.3rem;font-weight:700">{code}</p>
<p>Or use this link, on any device:</p>
<p><a href="{link}" style="display:inline-block;background:#1f6feb;color:#fff;padding:.6rem 1rem;
border-radius:6px;text-decoration:none">{button}</a></p>"""

_INTROS = {
    "sign_in": ("Sign in to Sesame", "Enter this code on the sign-in page:", "Sign in"),
    "sign_up": ("Welcome to Sesame", "Enter this code to confirm your address and create your account:",
                "Create my account"),
}


def link_url(token: str) -> str:
    # The token rides in the fragment: browsers never send it to a server.
    return f"{settings().public_url}/sign-in/link#token={token}"


def _compose(kind: str, code: str, link: str) -> tuple[str, str]:
    minutes = settings().code_ttl // 60
    if kind == "no_account":
        text = ("Someone asked to sign in to Sesame with this address, but there is no account for it.\n"
                "If that was you, ask your administrator for access.\n")
        body = f"<p>{html.escape(text)}</p>"
        return text, _HTML.format(title="No Sesame account", body=body, minutes=minutes)
    title, intro, button = _INTROS[kind]
    text = (f"{title}\n\n{intro}\n\n    {code}\n\nOr open this link on any device:\n{link}\n\n"
            f"Both expire in {minutes} minutes and work once. If you did not ask for this, ignore it.\n")
    body = _CODE_HTML.format(intro=html.escape(intro), code=code, link=html.escape(link, quote=True),
                             button=html.escape(button))
    return text, _HTML.format(title=html.escape(title), body=body, minutes=minutes)


_NEW_DEVICE_HTML = """<p>Your Sesame account was just used to sign in from a browser it has not seen before:</p>
<table style="border-collapse:collapse"><tr><td style="padding:.2rem 1rem .2rem 0;color:#59636e">Device</td>
<td>{device}</td></tr><tr><td style="padding:.2rem 1rem .2rem 0;color:#59636e">When</td><td>{when}</td></tr>
<tr><td style="padding:.2rem 1rem .2rem 0;color:#59636e">Where</td><td>approximate location unknown, IP {ip}</td></tr>
</table><p>If this was you, there is nothing to do. If it was not:</p>
<p><a href="{link}" style="display:inline-block;background:#cf222e;color:#fff;padding:.6rem 1rem;
border-radius:6px;text-decoration:none">This wasn't me</a></p>
<p style="color:#59636e;font-size:.85rem">That signs out every device and cancels any pending sign-in email.
The link works once, for a week.</p>"""


def send_new_device(to: str, device: str, when: str, ip: str, link: str) -> None:
    """Tell the account about a sign-in from a new browser."""
    text = (f"New sign-in to Sesame\n\nYour Sesame account was just used to sign in from a browser it has not "
            f"seen before:\n\n  Device: {device}\n  When:   {when}\n  Where:  approximate location unknown, "
            f"IP {ip}\n\nIf this was you, there is nothing to do. If it was not, open this link: it signs out "
            f"every device and cancels any pending sign-in email (it works once, for a week):\n{link}\n")
    body = _NEW_DEVICE_HTML.format(device=html.escape(device), when=html.escape(when), ip=html.escape(ip),
                                   link=html.escape(link, quote=True))
    _send(to, "New sign-in to Sesame", text, _HTML_PAGE.format(title="New sign-in to Sesame", body=body))


def send_passkey_added(to: str, name: str, device: str, when: str) -> None:
    """Tell the account a passkey was added to it."""
    text = (f"A passkey was added to your Sesame account\n\n  Passkey: {name}\n  Device:  {device}\n"
            f"  When:    {when}\n\n"
            "If this was you, there is nothing to do. If it was not, sign in with your email, remove the passkey "
            "from your account page, and sign out everywhere.\n")
    body = (f"<p>A passkey was added to your Sesame account:</p><p><strong>{html.escape(name)}</strong>, "
            f"{html.escape(device)}, {html.escape(when)}</p><p>If this was you, there is nothing to do. If it was "
            "not, sign in with your email, remove the passkey from your account page, and sign out everywhere.</p>")
    _send(to, "A passkey was added to your Sesame account", text,
          _HTML_PAGE.format(title="A passkey was added", body=body))


_HTML_PAGE = """<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#1f2328;max-width:32rem">
<h1 style="font-size:1.25rem">{title}</h1>
{body}
</body></html>"""


def send(kind: str, to: str, code: str, link: str) -> None:
    """Send the ``kind`` email to ``to`` (an address already validated)."""
    text, markup = _compose(kind, code, link)
    _send(to, _SUBJECTS[kind], text, markup)


def _send(to: str, subject: str, text: str, markup: str) -> None:
    config = settings()
    message = EmailMessage()
    message["From"] = config.sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=config.sender.rsplit("@", 1)[-1].rstrip(">"))
    message.set_content(text)
    message.add_alternative(markup, subtype="html")
    aws.client("sesv2").send_email(
        FromEmailAddress=config.sender, Destination={"ToAddresses": [to]},
        Content={"Raw": {"Data": message.as_bytes()}})
