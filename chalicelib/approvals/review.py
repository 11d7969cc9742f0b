"""The approver's side: look a request up by its code, then approve or deny it.

Only a signed-in browser reviews (the approver's own session, from its
cookies), and every entry of a code counts against the approver's IP and the
stage (RFC 8628 §5.1), found or not. The approver sees who asks and picks a
number among three; a wrong pick denies the request at once, and the asker is
told. Approving signs the asker into the approver's account: what the page
warns about.
"""

from __future__ import annotations

from typing import Any

from chalicelib import audit, errors, events, limits
from chalicelib.approvals import matching, place, store
from chalicelib.limits import Bucket
from chalicelib.sessions import records
from chalicelib.signin import addresses
from chalicelib.times import iso


def _entered(typed: str, ip: str) -> store.Request:
    """The pending request ``typed`` names, after counting the entry; else UnknownRequest."""
    limits.hit(Bucket("approval_entry_ip", ip), Bucket("approval_entry_all", "all"))
    normalised = matching.normalise(typed)
    found = store.by_handle(normalised) if normalised else None
    if found is None or found.status != "pending" or found.is_expired():
        raise errors.UnknownRequest()
    audit.note(extra={"kind": found.kind})
    return found


def look(typed: str, ip: str, locale: str) -> dict[str, Any]:
    """What the approver reviews: who asks, from where and when, and the three numbers."""
    found = _entered(typed, ip)
    return {"kind": found.kind, "app": found.client_name or None, "device": found.device, "ip": found.ip,
            "place": place.near(found.ip, locale),
            "requested_at": iso(found.created_at), "expires_at": iso(found.expires_at),
            "numbers": list(found.choices)}


def decide(typed: str, number: str | None, approver: records.Record, ip: str, locale: str) -> dict[str, Any]:
    """Approve (the right ``number``) or deny (``None``, or a wrong number) the request."""
    found = _entered(typed, ip)
    right = number == found.number
    reason = "approved" if right else ("denied" if number is None else "wrong_number")
    if not store.decide(found, approved=right, sub=approver.sub, email=approver.email, reason=reason, locale=locale):
        raise errors.UnknownRequest()  # answered or expired meanwhile
    kind = events.SIGN_IN_APPROVED if right else events.SIGN_IN_DENIED
    events.publish(kind, approver.sub, addresses.email_hash(approver.email),
                   method=found.kind, device=found.client_name or found.device, ip=found.ip,
                   client_id=found.client_id or None)
    audit.note(user_sub=approver.sub, extra={"kind": found.kind, "decision": reason})
    return {"status": "approved" if right else "denied", "reason": reason}
