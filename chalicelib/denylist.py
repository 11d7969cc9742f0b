"""Revoked sessions, in DynamoDB, checked by every token verification.

Two kinds of entry, each expiring (DynamoDB TTL) when nothing it names can
still be valid:

* ``deny#<origin_jti>``: one sign-in session (all tokens minted from one
  refresh token share its origin_jti), written by sign-out.
* ``deny-user#<sub>``: every session of the user begun before ``before``
  (to the millisecond), written by sign-out everywhere. A session's start is
  its record's ``created_at`` (``session#<origin_jti>``, read in the same
  call), else the token's ``iat``: a session begun in the same second, after
  the sign-out, stays live (whole seconds would kill it on arrival).

``is_revoked`` is the hook ``sesame_verify.CognitoJwtVerifier`` takes; any
service with read access to the table can pass it.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from chalicelib import aws
from chalicelib.config import settings


def keys(claims: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The denylist entries that could revoke these claims, and their session's record."""
    keys = [{"pk": {"S": f"deny-user#{claims.get('sub', '')}"}}]
    origin = claims.get("origin_jti")
    if isinstance(origin, str) and origin:
        keys += [{"pk": {"S": f"deny#{origin}"}}, {"pk": {"S": f"session#{origin}"}}]
    return keys


def is_revoked(claims: Mapping[str, Any]) -> bool:
    """True when the session of these (already verified) claims was signed out."""
    from chalicelib import batch

    # A read DynamoDB cannot complete raises (fail closed), after retries.
    return revoked_by(batch.get(settings().table, keys(claims)), claims)


def revoked_by(items: Sequence[Mapping[str, Any]], claims: Mapping[str, Any]) -> bool:
    """True when one of these items (from ``keys``) revokes the claims."""
    records = [i for i in items if i["pk"]["S"].startswith("session#")]
    begun = float(records[0]["created_at"]["N"]) if records else float(claims.get("iat", 0))
    for item in items:
        key = item["pk"]["S"]
        if key.startswith("deny#"):
            return True
        if key.startswith("deny-user#") and begun <= float(item["before"]["N"]):
            return True
    return False


def deny_session(origin_jti: str, until: int) -> None:
    aws.client("dynamodb").put_item(TableName=settings().table, Item={
        "pk": {"S": f"deny#{origin_jti}"}, "ttl": {"N": str(until)}})


def deny_user(sub: str) -> None:
    """Revoke every session of ``sub`` begun up to now."""
    now = round(time.time(), 3)
    # Every token issued before now expires within the longest token lifetime.
    until = int(now) + 24 * 3600
    aws.client("dynamodb").put_item(TableName=settings().table, Item={
        "pk": {"S": f"deny-user#{sub}"}, "before": {"N": str(now)}, "ttl": {"N": str(until)}})
