"""Sessions after sign-in: who am I, refresh, and a sign-out that signs out.

After a refresh the previous access token stays valid until it expires: a
JWT cannot be recalled, and both share one origin_jti, so only sign-out
(which denylists that origin_jti) ends them together.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from chalicelib import accounts, appclient, audit, aws, cookies, denylist, errors, tokens
from chalicelib.config import settings
from sesame_verify import TokenError
from sesame_verify.headers import cookie

ALL_COOKIES = (cookies.ACCESS, cookies.ID, cookies.REFRESH, cookies.FLOW)
_NOT_OUR_TOKEN = ("InvalidParameterException", "UnauthorizedException", "UnsupportedTokenTypeException",
                  "NotAuthorizedException")


def iso(timestamp: int) -> str:
    """A Unix time as ISO 8601 in UTC, as the session endpoints report expiry."""
    return datetime.fromtimestamp(timestamp, tz=UTC).isoformat()


@dataclass(frozen=True)
class Current:
    sub: str
    email: str | None
    expires_at: int

    def body(self) -> dict[str, Any]:
        return {"user": {"sub": self.sub, "email": self.email}, "expires_at": iso(self.expires_at)}


def _verified(headers: Mapping[str, Any], name: str, token_use: str, revocable: bool) -> dict[str, Any]:
    token = cookie(headers, name)
    if not token:
        raise errors.Unauthenticated()
    try:
        claims = tokens.verifier(token_use).verify(token)
    except TokenError:
        raise errors.Unauthenticated()
    if revocable and denylist.is_revoked(claims):
        raise errors.Unauthenticated()
    return claims


def current(headers: Mapping[str, Any]) -> Current:
    """The signed-in user, from the access cookie (and the ID cookie's email)."""
    access = _verified(headers, cookies.ACCESS, "access", revocable=True)
    audit.note(user_sub=access.get("sub"))
    try:
        identity = _verified(headers, cookies.ID, "id", revocable=False)
        email = identity.get("email") if identity.get("sub") == access["sub"] else None
    except errors.Unauthenticated:
        email = None
    return Current(sub=str(access["sub"]), email=email, expires_at=int(access["exp"]))


def refresh(headers: Mapping[str, Any]) -> tokens.Session:
    """New access and ID cookies from the refresh cookie."""
    username, token = tokens.split_refresh(cookie(headers, cookies.REFRESH))
    if not token:
        raise errors.Unauthenticated()
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
    if denylist.is_revoked(session.access_claims):  # a signed-out session cannot be revived
        raise errors.Unauthenticated()
    return session


def sign_out(headers: Mapping[str, Any], everywhere: bool) -> None:
    """Revoke the refresh token, denylist the session, and optionally all sessions."""
    config = settings()
    _, refresh_token = tokens.split_refresh(cookie(headers, cookies.REFRESH))
    if refresh_token:
        try:
            aws.client("cognito-idp").revoke_token(Token=refresh_token, ClientId=config.client_id,
                                                   **_client_secret())
        except ClientError as exc:
            # A cookie that is not one of our refresh tokens has nothing to revoke;
            # anything else (throttling, an outage) must not pass for a sign-out.
            if exc.response.get("Error", {}).get("Code") not in _NOT_OUR_TOKEN:
                raise
    try:
        claims = _verified(headers, cookies.ACCESS, "access", revocable=False)
    except errors.Unauthenticated:
        return  # nothing else to end: the cookies are cleared all the same
    audit.note(user_sub=claims.get("sub"))
    if isinstance(claims.get("origin_jti"), str):
        denylist.deny_session(claims["origin_jti"], until=int(claims["exp"]))
    if everywhere:
        accounts.sign_out_everywhere(str(claims.get("username") or claims["sub"]))
        denylist.deny_user(str(claims["sub"]))


def _client_secret() -> dict[str, str]:
    found = appclient.secret()
    return {"ClientSecret": found} if found else {}


def cleared() -> list[str]:
    return cookies.clear(*ALL_COOKIES)
