"""The waiting browser's side of "Sign in with your phone".

A new browser asks (``start``): it shows a QR code of the approval URL, which
carries the request id, and the number to match; its own cookie holds the
request's secret. It asks again every couple of seconds (``status``); once a
signed-in device has approved, the next ask takes the session, once, and gets
its cookies. The approver never receives them: the session goes only to the
browser holding the cookie, as an emailed code works only in the browser that
asked for it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from chalicelib import cookies, errors, limits, sessions, tokens
from chalicelib.approvals import handover, store
from chalicelib.config import settings
from chalicelib.limits import Bucket
from chalicelib.sessions import devices

COOKIE = cookies.APPROVAL
LIFETIME = 300  # seconds: the request id is single use and lives 5 minutes
POLL_EVERY = 2  # seconds: the page notices an approval within this
METHOD = "approval"
SCOPE = "openid email"


def approval_url(handle: str) -> str:
    return f"{settings().public_url}/device?code={handle}"


def qr_svg(text: str) -> str:
    """A QR code of ``text``, as an SVG data URI the page shows in an <img>."""
    import segno  # on first use: most requests never draw one

    return str(segno.make(text, error="m").svg_data_uri(scale=4, border=2, dark="#111", light="#fff"))


def start(client: devices.Client) -> tuple[dict[str, Any], list[str]]:
    """A new request; the page's body and the cookie that binds the request to this browser."""
    limits.hit(Bucket("approval_start_ip", client.ip))
    created = store.create("browser", client_id="", client_name="", scope=SCOPE, ip=client.ip,
                           device=devices.label(client.user_agent), ttl=LIFETIME, interval=POLL_EVERY)
    url = approval_url(created.handle)
    body = {"number": created.request.number, "url": url, "qr": qr_svg(url), "expires_in": LIFETIME,
            "interval": POLL_EVERY}
    return body, [cookies.build(COOKIE, created.secret, max_age=LIFETIME)]


def status(secret: str | None, client: devices.Client) -> tuple[dict[str, Any], list[str]]:
    """Where this browser's request stands; its session's cookies once it is approved."""
    found = store.by_secret(secret or "", "browser")
    if found is None or found.status == "used":
        raise errors.UnknownRequest()
    done = cookies.clear(COOKIE)
    if found.status == "denied":
        return {"status": "denied"}, done
    if found.is_expired():
        return {"status": "expired"}, done
    if found.status == "pending":
        return {"status": "pending"}, []
    return _take(found, client, done)


def _take(found: store.Request, client: devices.Client, done: list[str]) -> tuple[dict[str, Any], list[str]]:
    client = dataclasses.replace(client, locale=found.locale or client.locale)  # the notice speaks as the approver

    def signed_in(session: tokens.Session) -> tuple[dict[str, Any], list[str]]:
        jar = session.cookies + sessions.begin(session, METHOD, client)
        return {"status": "approved", "user": session.user}, jar + done

    try:
        return handover.hand_over(found, "", signed_in)
    except handover.Claimed:
        return {"status": "pending"}, []  # another ask of this browser is taking it right now
    except handover.Refused:
        return {"status": "denied"}, done
