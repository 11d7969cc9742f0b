"""Tokens for apps, from Cognito: an authorization code becomes a new session, a
refresh token renews it, and any token of a session names it for revocation.

An app's session is a session like a browser's (``chalicelib.sessions``): it has
a record (naming the client), appears in the user's list, and ends with every
kind of sign-out. Its tokens are Cognito's, made by the same custom-auth flow as
a sign-in; the answer is the authorization code, which the Verify trigger
consumes (``codes.check``). Nothing here sets a cookie.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from chalicelib import accounts, audit, errors, events, tokens
from chalicelib.oauth import codes
from chalicelib.oauth.clients import Client
from chalicelib.sessions import flow, records
from chalicelib.signin import addresses
from sesame_verify import TokenError

METHOD = "oauth"
T = TypeVar("T")


class GrantRefused(Exception):
    """The code or refresh token gives nothing (Authlib answers ``invalid_grant``)."""


@dataclass(frozen=True)
class Held:
    """A live session, found from one of its tokens, in the shape Authlib's revocation,
    introspection and refresh grant ask of a token (``TokenMixin``)."""

    record: records.Record
    claims: dict[str, Any]
    token_type: str  # access_token, id_token or refresh_token
    renewed: tokens.Session | None = None  # a refresh token's new tokens

    def check_client(self, client: Client) -> bool:
        return bool(self.record.client_id) and hmac.compare_digest(self.record.client_id, client.client_id)

    def get_scope(self) -> str:
        return self.record.scope

    def is_expired(self) -> bool:
        return False  # verified just now (exp included)

    def is_revoked(self) -> bool:
        return False  # its record is live, read just now


def _body(session: tokens.Session, scope: str, with_refresh: bool) -> dict[str, Any]:
    result = session.result
    body: dict[str, Any] = {"access_token": result["AccessToken"], "token_type": "Bearer",
                            "expires_in": int(result.get("ExpiresIn", 3600)), "scope": scope}
    if "openid" in scope.split():
        body["id_token"] = result["IdToken"]
    if with_refresh and session.refresh_value:
        body["refresh_token"] = session.refresh_value
    return body


def redeem(found: codes.AuthCode, then: Callable[[tokens.Session], T]) -> T:
    """``then`` of Cognito's tokens for the code's user. The Verify trigger consumes the code,
    once: a second redemption, even a concurrent one, fails there (``GrantRefused``)."""
    attempt = secrets.token_urlsafe(16)
    metadata = {"method": "grant", "challenge": found.code_hash, "attempt": attempt}
    try:
        session = tokens.session_from(accounts.sign_in(found.email, found.code, metadata))
        if session.sub != found.sub:
            raise GrantRefused()
        audit.note(user_sub=session.sub)
        return then(session)
    except accounts.AuthFailed:
        raise GrantRefused()
    except errors.DEPENDENCY_FAILURES:
        # Cognito may have consumed the code for tokens that never reach the client.
        audit.best_effort("oauth.release_failed", lambda: codes.release(found.code_hash, attempt))
        raise


def approved(sub: str, email: str, client_id: str, scope: str, then: Callable[[tokens.Session], T]) -> T:
    """``then`` of tokens for a user who approved a sign-in from another device
    (``chalicelib.approvals``): a grant code made here, never shown, redeemed at once."""
    code = codes.save(codes.new_code(), client_id=client_id, redirect_uri="", scope=scope, challenge="", method="",
                      sub=sub, email=email)
    return redeem(code, then)


def app_session(session: tokens.Session, client: Client, scope: str, ip: str,
                method: str = METHOD) -> tuple[records.Record, dict[str, Any]]:
    """Record an app's new session (listed, ended by every sign-out); it and its token response."""
    origin_jti = str(session.access_claims["origin_jti"])
    record = records.create(origin_jti, session.sub, session.email, method, client.name, ip,
                            client_id=client.client_id, scope=scope)
    events.publish(events.SIGN_IN_SUCCEEDED, session.sub, addresses.email_hash(session.email), method=method,
                   device=client.name, ip=ip, client_id=client.client_id, session_id=record.sid)
    return record, _body(session, scope, with_refresh=client.check_grant_type("refresh_token"))


def by_code(found: codes.AuthCode, client: Client, ip: str) -> dict[str, Any]:
    """Sign the code's user in for ``client``; the token response."""
    def recorded(session: tokens.Session) -> dict[str, Any]:
        _, body = app_session(session, client, found.scope, ip)
        origin_jti = str(session.access_claims["origin_jti"])
        audit.best_effort("oauth.issued_failed", lambda: codes.issued(found.code_hash, origin_jti))
        return body

    return redeem(found, recorded)


def replayed(found: codes.AuthCode) -> None:
    """A used code came back: end the session it made (OAuth 2.1 §4.1.3)."""
    if not found.issued:
        return
    record = records.lookup({"origin_jti": found.issued, "sub": found.sub})
    if record is not None:
        records.end(record)


def renewed(held: Held) -> dict[str, Any]:
    """The token response of a refresh (Cognito keeps the refresh token: no new one)."""
    assert held.renewed is not None
    records.touch(held.record)
    return _body(held.renewed, held.record.scope, with_refresh=False)


def _jwt(token: str) -> tuple[dict[str, Any], str] | None:
    for use in ("access", "id"):
        try:
            return tokens.verifier(use).verify(token), f"{use}_token"
        except TokenError:
            continue
    return None


def find(token: str) -> Held | None:
    """The live session ``token`` (access, ID or refresh token) belongs to, else None."""
    if not token or len(token) > 8192:
        return None
    if token.count(".") == 2:  # a JWT
        verified = _jwt(token)
        if verified is None:
            return None
        record = records.lookup(verified[0])
        return Held(record, verified[0], verified[1]) if record else None
    username, refresh_token = tokens.split_refresh(token)
    if not refresh_token:
        return None
    try:
        session = flow.refreshed(username, refresh_token)
    except errors.Unauthenticated:
        return None
    record = records.lookup(session.access_claims)
    return Held(record, session.access_claims, "refresh_token", session) if record else None


def revoke(held: Held) -> None:
    """End the session: every token of it is refused from now on, here and by introspection."""
    if held.token_type == "refresh_token" and held.renewed is not None:
        flow.revoke_refresh(held.renewed.result.get("RefreshToken", ""))
    records.end(held.record)


def introspection(held: Held, issuer: str) -> dict[str, Any]:
    """RFC 7662's answer for a live session's token."""
    claims = held.claims
    return {"active": True, "client_id": held.record.client_id or None, "sub": held.record.sub,
            "username": claims.get("username", held.record.sub), "scope": held.record.scope or claims.get("scope"),
            "token_type": held.token_type, "exp": claims.get("exp"), "iat": claims.get("iat"), "iss": issuer,
            "sid": held.record.sid}
