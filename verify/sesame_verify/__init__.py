"""Verify Sesame's Cognito JWTs: from a cookie or a bearer header, offline.

>>> from sesame_verify import CognitoJwtVerifier, verify_request
>>> verifier = CognitoJwtVerifier("eu-west-1_AbC123", "my-client-id", "access")
>>> claims = verifier.verify(token)            # or: verify_request(request.headers, verifier)

Several pools or stages: ``MultiIssuerVerifier(verifier_a, verifier_b)``.
Sign-out honoured within seconds: ``revocation=Introspection(url, client_id, secret)``.
Frameworks: ``sesame_verify.fastapi_auth``, ``.flask_auth``, ``.chalice_auth``,
``.lambda_authorizer``.

Every failure raises a subclass of :class:`TokenError`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from sesame_verify.errors import (
    ClaimError,
    ExpiredTokenError,
    JwksError,
    KeyNotFoundError,
    MalformedTokenError,
    MissingTokenError,
    NotYetValidError,
    RevocationUnavailableError,
    RevokedTokenError,
    SignatureError,
    TokenError,
)
from sesame_verify.headers import ACCESS_COOKIE, token_from_headers, verify_request

if TYPE_CHECKING:
    from sesame_verify.jwks import JwksCache
    from sesame_verify.multi import MultiIssuerVerifier
    from sesame_verify.revocation import Introspection
    from sesame_verify.verifier import MAX_LEEWAY, MAX_TOKEN_BYTES, CognitoJwtVerifier

# Loaded on first use (PEP 562): pyjwt and cryptography cost tens of
# milliseconds to import, which a cold start that never verifies need not pay.
_LAZY = {"CognitoJwtVerifier": "sesame_verify.verifier", "MAX_LEEWAY": "sesame_verify.verifier",
         "MAX_TOKEN_BYTES": "sesame_verify.verifier", "JwksCache": "sesame_verify.jwks",
         "MultiIssuerVerifier": "sesame_verify.multi", "Introspection": "sesame_verify.revocation"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'sesame_verify' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value

__all__ = [
    "ACCESS_COOKIE",
    "MAX_LEEWAY",
    "MAX_TOKEN_BYTES",
    "ClaimError",
    "CognitoJwtVerifier",
    "ExpiredTokenError",
    "Introspection",
    "JwksCache",
    "JwksError",
    "KeyNotFoundError",
    "MalformedTokenError",
    "MissingTokenError",
    "MultiIssuerVerifier",
    "NotYetValidError",
    "RevocationUnavailableError",
    "RevokedTokenError",
    "SignatureError",
    "TokenError",
    "token_from_headers",
    "verify_request",
]
__version__ = "0.2.0"
