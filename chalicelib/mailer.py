"""The sign-in emails: one message with a text and an HTML part, sent as raw
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


def send(kind: str, to: str, code: str, link: str) -> None:
    """Send the ``kind`` email to ``to`` (an address already validated)."""
    config = settings()
    text, markup = _compose(kind, code, link)
    message = EmailMessage()
    message["From"] = config.sender
    message["To"] = to
    message["Subject"] = _SUBJECTS[kind]
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=config.sender.rsplit("@", 1)[-1].rstrip(">"))
    message.set_content(text)
    message.add_alternative(markup, subtype="html")
    aws.client("sesv2").send_email(
        FromEmailAddress=config.sender, Destination={"ToAddresses": [to]},
        Content={"Raw": {"Data": message.as_bytes()}})
