"""One root exception, one subclass per way a token can fail.

Messages name the check that failed, never the token or its claims' values.
Every error has a stable ``reason``: malformed, signature, expired,
not_yet_valid, claim, unknown_key, revoked, revocation_unavailable or missing.
"""

from __future__ import annotations


class TokenError(Exception):
    """The token must not be trusted. Base of every error this library raises."""

    #: A stable, machine-readable reason, e.g. for an audit log. The root class
    #: is raised only by callers' own claim checks (``custom_check``).
    reason = "claim"


class MissingTokenError(TokenError):
    """The request carries no token (no cookie, no Bearer header)."""

    reason = "missing"


class MalformedTokenError(TokenError):
    """Not a well-formed compact JWS: size, segments, base64url, JSON, header."""

    reason = "malformed"


class KeyNotFoundError(TokenError):
    """No usable signing key with the token's ``kid`` in the JWKS."""

    reason = "unknown_key"


class SignatureError(TokenError):
    """The signature does not verify under the key the ``kid`` names."""

    reason = "signature"


class ExpiredTokenError(TokenError):
    """``exp`` is in the past."""

    reason = "expired"


class NotYetValidError(TokenError):
    """``nbf`` (or ``iat``) is in the future."""

    reason = "not_yet_valid"


class ClaimError(TokenError):
    """A claim is missing, of the wrong type, or does not match: iss, token_use, client."""

    reason = "claim"


class RevokedTokenError(TokenError):
    """The token's session has ended (signed out, "this wasn't me", account disabled or
    deleted): ``revocation`` (``Introspection``) or the ``is_revoked`` hook says so."""

    reason = "revoked"


class RevocationUnavailableError(TokenError):
    """The revocation check could not be made (Sesame did not answer): refused, fail closed.
    The framework helpers answer it ``503 unavailable``, not 401: signing in again would not help."""

    reason = "revocation_unavailable"


class JwksError(TokenError):
    """The JWKS could not be fetched or parsed (``hydrate``, a bad ``jwks``): no key is known."""

    reason = "unknown_key"
