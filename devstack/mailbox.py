"""The dev mailbox: every email the local stack sent through SES (moto).

Sesame sends raw MIME (text and HTML parts), which moto keeps whole; this
module parses it back so both parts stay readable. Registered on the app
only when the stage sets ``SESAME_DEV_MAILBOX=1`` (the local stage), and
never packaged: ``devstack`` is outside ``chalicelib`` and ``vendor``.
"""

from __future__ import annotations

import email
import html
import re
from email import policy
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from typing import Any

from chalice import Blueprint, Response
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses.models import RawMessage, ses_backends

from chalicelib.config import settings

blueprint = Blueprint(__name__)


def _part(message: EmailMessage, subtype: str) -> str | None:
    body = message.get_body(preferencelist=(subtype,))
    return None if body is None else str(body.get_content())


def _parse(raw: str) -> dict[str, Any]:
    message = email.message_from_string(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    date = message.get("Date")
    return {
        "to": [address for _, address in getaddresses(message.get_all("To", []))],
        "subject": str(message.get("Subject", "")),
        "text": _part(message, "plain"),
        "html": _part(message, "html"),
        "sent_at": parsedate_to_datetime(str(date)).isoformat() if date else None,
    }


def _parsed(message: RawMessage) -> dict[str, Any]:
    # Each message is parsed once: a load run polls the mailbox many times a second.
    found: dict[str, Any] | None = getattr(message, "_sesame_parsed", None)
    if found is None:
        found = _parse(message.raw_data)
        message._sesame_parsed = found  # type: ignore[attr-defined]
    return found


def _addressed_to(message: RawMessage, wanted: str) -> bool:
    return wanted in (parseaddr(a)[1].lower() for a in message.destinations)


def messages(to: str | None = None, region: str | None = None) -> list[dict[str, Any]]:
    """Sent messages (the newest ``ses.KEPT``), newest first; ``to`` keeps those addressed to it."""
    backend = ses_backends[DEFAULT_ACCOUNT_ID][region or settings().region]
    wanted = to.strip().lower() if to else None
    sent = [m for m in list(backend.sent_messages) if isinstance(m, RawMessage)]
    found = [_parsed(m) for m in sent if wanted is None or _addressed_to(m, wanted)]
    if wanted:  # what the envelope says must be what the message says
        found = [m for m in found if wanted in (a.lower() for a in m["to"])]
    return list(reversed(found))


def link_token(message: dict[str, Any]) -> str:
    """The link token of a sign-in email (an invitation has nothing else)."""
    token = re.search(r"/(?:sign-in/link|step-up|account/email)#token=([A-Za-z0-9_.-]+)", message["text"])
    assert token, "no link in the email"
    return token.group(1)


def code_and_token(message: dict[str, Any]) -> tuple[str, str]:
    """The 6-digit code and the link token of a sign-in email."""
    code = re.search(r"^\s+(\d{6})\s*$", message["text"], re.M)
    assert code, "no code in the email"
    return code.group(1), link_token(message)


def _to(query: Any) -> str | None:
    value = query.get("to")
    return str(value) if value else None


@blueprint.route("/dev/mailbox", methods=["GET"])
def mailbox_json() -> Response:
    query: Any = blueprint.current_request.query_params or {}
    return Response({"messages": messages(_to(query))}, status_code=200,
                    headers={"Cache-Control": "no-store"})


_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Sesame dev mailbox</title>
<style>body{{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#1f2328}}
article{{border:1px solid #d0d7de;border-radius:8px;padding:1rem;margin:1rem 0}}
h2{{font-size:1.05rem;margin:0 0 .25rem}} .meta{{color:#59636e;font-size:.85rem}}
.parts{{display:grid;grid-template-columns:3fr 2fr;gap:.75rem;margin-top:.5rem}}
iframe{{width:100%;height:30rem;border:1px solid #eee;border-radius:6px}}
pre{{margin:0;height:30rem;overflow:auto;white-space:pre-wrap;background:#f6f8fa;border-radius:6px;padding:.5rem;
font-size:.8rem}}</style></head><body>
<h1>Dev mailbox</h1><p class="meta">Local stage only. Newest first. JSON at
<a href="/dev/mailbox">/dev/mailbox</a>. Each message: its HTML part as a mail client
shows it (a sandboxed frame, no scripts), and its plain-text part.</p>{items}</body></html>"""

# Links in a mail open in the whole tab, as they would from a mail client.
_BASE = '<base target="_top">'
_ITEM = """<article><h2>{subject}</h2><div class="meta">To {to} &middot; {sent_at}</div>
<div class="parts"><iframe sandbox="allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation"
 title="{subject}" srcdoc="{html}"></iframe>
<pre aria-label="Plain text">{text}</pre></div></article>"""


@blueprint.route("/dev/mailbox/view", methods=["GET"])
def mailbox_page() -> Response:
    query: Any = blueprint.current_request.query_params or {}
    items = "".join(
        _ITEM.format(subject=html.escape(m["subject"]), to=html.escape(", ".join(m["to"])),
                     sent_at=html.escape(m["sent_at"] or ""),
                     html=html.escape(_BASE + (m["html"] or ""), quote=True),
                     text=html.escape(m["text"] or ""))
        for m in messages(_to(query))
    ) or "<p>No mail yet.</p>"
    return Response(_PAGE.format(items=items), status_code=200, headers={
        "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"})
