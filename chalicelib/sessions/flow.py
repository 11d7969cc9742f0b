"""Sessions after sign-in: who am I, refresh, sign-out, and the caller's own
sessions listed and ended.

A session is found from its access cookie: the verified token's origin_jti
names its record (``records``), which also holds the address, so no cookie
carries it and no second RSA verify is needed. After a refresh the previous
access token stays valid until it expires, but ending the session (sign-out,
DELETE, "this wasn't me") denylists the origin_jti they share.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from chalicelib import accounts, appclient, audit, aws, cookies, denylist, errors, i18n, tokens
from chalicelib.config import settings
from chalicelib.sessions import records
from chalicelib.times import iso
from sesame_verify import TokenError
from sesame_verify.headers import cookie, cookie_values

# The ID cookie is no longer set; it is still cleared, for browsers that kept one.
ALL_COOKIES = (cookies.ACCESS, cookies.ID, cookies.REFRESH, cookies.FLOW)
_NOT_OUR_TOKEN = ("InvalidParameterException", "UnauthorizedException", "UnsupportedTokenTypeException",
                  "NotAuthorizedException")


@dataclass(frozen=True)
class Current:
    record: records.Record
    expires_at: int

    def body(self) -> dict[str, Any]:
        return {"user": {"sub": self.record.sub, "email": self.record.email}, "expires_at": iso(self.expires_at)}


def _claims(headers: Mapping[str, Any]) -> dict[str, Any]:
    token = cookie(headers, cookies.ACCESS)
    if not token:
        raise errors.Unauthenticated()
    try:
        return tokens.verifier("access").verify(token)
    except TokenError:
        raise errors.Unauthenticated()


def _live(claims: Mapping[str, Any]) -> records.Record:
    record = records.lookup(claims)
    if record is None or record.client_id:  # an app's session (OAuth) is never a browser's cookie
        raise errors.Unauthenticated()
    audit.note(user_sub=record.sub)
    records.touch(record)
    return record


def current(headers: Mapping[str, Any]) -> Current:
    """The signed-in user and their session, from the access cookie."""
    claims = _claims(headers)
    return Current(record=_live(claims), expires_at=int(claims["exp"]))


def refreshed(username: str, token: str) -> tokens.Session:
    """Cognito's REFRESH_TOKEN_AUTH: new tokens for a live refresh token, else ``Unauthenticated``.
    The session may have ended since: callers check its record."""
    config = settings()
    try:
        # The secret hash of a refresh is over Cognito's username (the sub), not the address.
        result = aws.client("cognito-idp").admin_initiate_auth(
            UserPoolId=config.user_pool_id, ClientId=config.client_id, AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": token, **appclient.secret_hash(username)})
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NotAuthorizedException", "UserNotFoundException"):
            raise errors.Unauthenticated()
        raise
    session = tokens.session_from(result["AuthenticationResult"])
    if session.access_claims.get("username", session.sub) != username:  # the cookie named another account
        raise errors.Unauthenticated()
    return session


def _named_user(access_token: str) -> str | None:
    """The Cognito username an access cookie names (unverified, expired or not): only ever used to refuse."""
    try:
        payload = access_token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        user = claims.get("username", claims.get("sub"))
    except (IndexError, ValueError, AttributeError):
        return None
    return user if isinstance(user, str) else None


def refresh(headers: Mapping[str, Any]) -> tokens.Session:
    """A new access cookie from the refresh cookie, for a session that is still live.

    Never a move to another account: a refresh cookie sent twice (a sibling domain
    can add one of the same name) refreshes nothing, and one naming another account
    than the access cookie's is refused. The route then clears every cookie."""
    values = cookie_values(headers, cookies.REFRESH)
    username, token = tokens.split_refresh(values[0] if len(values) == 1 else None)
    access = cookie(headers, cookies.ACCESS)
    if not token or (access and _named_user(access) not in (None, username)):
        raise errors.Unauthenticated()
    session = refreshed(username, token)
    _live(session.access_claims)  # an ended session cannot be revived
    return session


def _claims_or_none(headers: Mapping[str, Any]) -> dict[str, Any] | None:
    try:
        return _claims(headers)
    except errors.Unauthenticated:
        return None


def sign_out(headers: Mapping[str, Any], everywhere: bool) -> bool:
    """Revoke the refresh token and end the session, or every session of the user.
    Any one of the session's cookies is enough: without a live access cookie (it
    expired, the tab was idle) the refresh cookie names the session. False when
    the request held nothing to revoke."""
    username, refresh_token = tokens.split_refresh(cookie(headers, cookies.REFRESH))
    claims = _claims_or_none(headers)
    if claims is None and refresh_token:
        try:
            claims = refreshed(username, refresh_token).access_claims
        except errors.Unauthenticated:
            claims = None
    if refresh_token:
        revoke_refresh(refresh_token)
    if claims is None:
        return False
    audit.note(user_sub=claims.get("sub"))
    record = records.lookup(claims)
    if record is not None:
        records.end(record)
    elif isinstance(claims.get("origin_jti"), str):
        denylist.deny_session(claims["origin_jti"], until=int(claims["exp"]))
    if everywhere:
        end_all(str(claims["sub"]))
    return True


def revoke_refresh(refresh_token: str) -> None:
    try:
        aws.client("cognito-idp").revoke_token(Token=refresh_token, ClientId=settings().client_id,
                                               **_client_secret())
    except ClientError as exc:
        # A cookie that is not one of our refresh tokens has nothing to revoke;
        # anything else (throttling, an outage) must not pass for a sign-out.
        if exc.response.get("Error", {}).get("Code") not in _NOT_OUR_TOKEN:
            raise


def end_all(sub: str) -> int:
    """Every session of the user: Cognito's global sign-out, the denylist, the
    records; returns how many sessions were live."""
    accounts.sign_out_everywhere(sub)
    denylist.deny_user(sub)
    live = records.of_user(sub)
    for record in live:
        records.end(record)
    return len(live)


def listing(headers: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The caller's live sessions, newest first, the current one marked; each device named in the
    request's language."""
    mine = current(headers).record
    locale = i18n.negotiate(headers.get("accept-language"))
    return [{**r.public(mine.origin_jti), "device": i18n.device(locale, r.device)} for r in records.of_user(mine.sub)]


def end_one(headers: Mapping[str, Any], sid: str) -> None:
    """End one of the caller's sessions; ``NotFound`` for any other id."""
    mine = current(headers).record
    found = [r for r in records.of_user(mine.sub) if r.sid == sid]
    if not found:
        raise errors.NotFound()
    records.end(found[0])


def end_others(headers: Mapping[str, Any]) -> int:
    """End every session of the caller but this one; how many ended."""
    mine = current(headers).record
    others = [r for r in records.of_user(mine.sub) if r.origin_jti != mine.origin_jti]
    for record in others:
        records.end(record)
    return len(others)


def _client_secret() -> dict[str, str]:
    found = appclient.secret()
    return {"ClientSecret": found} if found else {}


def cleared() -> list[str]:
    return cookies.clear(*ALL_COOKIES)
