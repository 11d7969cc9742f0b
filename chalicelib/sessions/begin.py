"""A new session at sign-in: its record, the browser's device cookie, and an
email to the account when the browser is new to it."""

from __future__ import annotations

from chalicelib import audit, cookies, errors, events, mail, tokens
from chalicelib.sessions import devices, notme, records
from chalicelib.signin import addresses

APPROVED_METHODS = ("device", "approval")  # sessions someone approved from a signed-in device


def begin(session: tokens.Session, method: str, client: devices.Client) -> list[str]:
    """Record the session; returns the cookies to add (the device cookie). The account is
    mailed when the browser is new to it, and for every sign-in approved from elsewhere."""
    origin_jti = str(session.access_claims["origin_jti"])
    try:
        record = records.create(origin_jti, session.sub, session.email, method, devices.label(client.user_agent),
                                client.ip)
        tell, device_cookie = devices.recognise(addresses.email_hash(session.email), client)
    except errors.DEPENDENCY_FAILURES:
        # The sign-in fails: no session that nobody holds in the user's list.
        audit.best_effort("session.discard_failed", lambda: records.discard(origin_jti))
        raise
    events.publish(events.SIGN_IN_SUCCEEDED, record.sub, addresses.email_hash(record.email), session_id=record.sid,
                   method=method, device=record.device, ip=record.ip)
    if tell or method in APPROVED_METHODS:
        tell_account(record, client.locale)
    return [cookies.build(devices.COOKIE, device_cookie, max_age=devices.MAX_AGE)]


def tell_account(record: records.Record, locale: str) -> None:
    """Mail "new sign-in" with a "this wasn't me" link. The sign-in has happened
    already: a failure here is logged, never turned into a failed sign-in."""
    attempt = audit.Attempt("session.new_device", method=record.method, user_sub=record.sub)
    try:
        link = notme.link(record.sub, record.email, locale,
                          notme.Report(session_sid=record.sid, since=int(record.created_at)))
        mail.send_new_device(record.email, record.device, int(record.created_at), record.ip, link, locale,
                             approved=record.method in APPROVED_METHODS)
    except errors.DEPENDENCY_FAILURES as exc:
        audit.emit(attempt, "error", f"dependency:{errors.describe(exc)}"[:120])
        return
    audit.emit(attempt, "success", "mailed")
