"""The authorization server's metadata (RFC 8414), also served where OpenID
Connect clients look for it. ``issuer`` is Sesame's public URL: the server that
answers here. The tokens themselves are Cognito's, signed with the stage's pool
keys (``jwks_uri``) and carrying the pool's issuer (``token_issuer``), which is
what a resource server checks."""

from __future__ import annotations

from typing import Any

from chalicelib.config import settings
from chalicelib.oauth.clients import DEVICE_CODE_GRANT_TYPE, SCOPES

PATHS = ("/.well-known/oauth-authorization-server", "/.well-known/openid-configuration")


def document() -> dict[str, Any]:
    config = settings()
    base = config.public_url
    return {
        "issuer": base,
        "authorization_endpoint": f"{base}/oauth/authorize",
        "token_endpoint": f"{base}/oauth/token",
        "revocation_endpoint": f"{base}/oauth/revoke",
        "introspection_endpoint": f"{base}/oauth/introspect",
        "device_authorization_endpoint": f"{base}/oauth/device_authorization",
        "jwks_uri": config.jwks_uri,
        "token_issuer": config.issuer,
        "scopes_supported": list(SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token", DEVICE_CODE_GRANT_TYPE],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "none"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "none"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "authorization_response_iss_parameter_supported": False,
    }
