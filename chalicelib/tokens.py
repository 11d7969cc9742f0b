"""Cognito's tokens in, session cookies out, through the same verifier other
services use (``sesame_verify``)."""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from chalicelib import cookies, errors
from chalicelib.config import settings
from sesame_verify import TokenError

if TYPE_CHECKING:
    from sesame_verify import CognitoJwtVerifier


@lru_cache(maxsize=8)
def _verifier(pool: str, client: str, token_use: str, issuer: str, jwks_uri: str) -> CognitoJwtVerifier:
    from sesame_verify import CognitoJwtVerifier  # loads pyjwt: only routes that verify pay for it

    return CognitoJwtVerifier(pool, client, token_use, issuer=issuer, jwks_uri=jwks_uri)


def verifier(token_use: str) -> CognitoJwtVerifier:
    """The stage's verifier for ``"access"`` or ``"id"`` tokens (JWKS cached per instance)."""
    config = settings()
    return _verifier(config.user_pool_id, config.client_id, token_use, config.issuer, config.jwks_uri)


@dataclass(frozen=True)
class Session:
    """A signed-in user and the cookies that carry the session."""

    sub: str
    email: str
    expires_at: int
    cookies: list[str] = field(default_factory=list)
    access_claims: dict[str, Any] = field(default_factory=dict, repr=False)
    result: dict[str, Any] = field(default_factory=dict, repr=False)  # Cognito's AuthenticationResult

    @property
    def refresh_value(self) -> str | None:
        """The refresh token as Sesame hands it out: ``<Cognito username>:<token>``."""
        token = self.result.get("RefreshToken")
        return f"{self.access_claims.get('username', self.sub)}:{token}" if token else None

    @property
    def user(self) -> dict[str, str]:
        return {"sub": self.sub, "email": self.email}


def split_refresh(value: str | None) -> tuple[str, str]:
    """(Cognito username, refresh token) from the refresh cookie's value."""
    username, _, token = (value or "").partition(":")
    return (username, token) if token else ("", "")


def session_from(result: dict[str, Any]) -> Session:
    """Check Cognito's AuthenticationResult and turn it into cookies.

    The refresh cookie also carries Cognito's username (the opaque sub, never
    the address): a refresh must send the SECRET_HASH of that username.
    """
    try:
        id_claims = verifier("id").verify(result["IdToken"])
        access_claims = verifier("access").verify(result["AccessToken"])
    except (TokenError, KeyError) as exc:
        # Tokens straight from Cognito that do not verify: a configuration fault.
        raise errors.ServiceUnavailable() from exc
    access_age = max(int(access_claims["exp"]) - int(time.time()), 0)
    session = Session(sub=str(id_claims["sub"]), email=str(id_claims.get("email", "")),
                      expires_at=int(access_claims["exp"]), access_claims=access_claims, result=dict(result))
    jar = cookies.session(result["AccessToken"], access_age, session.refresh_value, settings().refresh_ttl)
    return dataclasses.replace(session, cookies=jar)
