"""Apps, for operators: register the OAuth clients that may use Sesame, and tell a
service what it needs to verify the stage's tokens (``env``)."""

from __future__ import annotations

from typing import Any

from chalicelib import audit
from chalicelib.config import settings
from chalicelib.oauth import clients
from sesame_tools.lifecycle import AdminError


def _audit(command: str, client_id: str, caller: str) -> None:
    attempt = audit.Attempt(f"admin.{command}", method="admin", extra={"caller": caller, "client_id": client_id})
    audit.emit(attempt, "success", "ok")


def add(name: str, redirect_uris: list[str], public: bool, origins: list[str], caller: str,
        device: bool = False) -> dict[str, Any]:
    """Register a client; the answer holds its secret, which is shown this once and never stored."""
    try:
        client, secret = clients.add(name, redirect_uris, public, origins, device)
    except clients.ClientError as exc:
        raise AdminError(str(exc))
    _audit("client_add", client.client_id, caller)
    return {**client.public_view(), **({"client_secret": secret} if secret else {})}


def listing() -> list[dict[str, Any]]:
    return [c.public_view() for c in clients.all_clients()]


def remove(client_id: str, caller: str) -> dict[str, Any]:
    if not clients.remove(client_id):
        raise AdminError(f"no client {client_id!r}")
    _audit("client_remove", client_id, caller)
    return {"client_id": client_id, "removed": True}


def environment() -> dict[str, str]:
    """What a service verifying this stage's tokens sets (docs/integrating.md)."""
    config = settings()
    return {"SESAME_URL": config.public_url, "SESAME_ISSUER": config.issuer, "SESAME_JWKS_URI": config.jwks_uri,
            "SESAME_USER_POOL_ID": config.user_pool_id, "SESAME_CLIENT_ID": config.client_id,
            "SESAME_INTROSPECTION_URL": f"{config.public_url}/oauth/introspect",
            "SESAME_DISCOVERY_URL": f"{config.public_url}/.well-known/oauth-authorization-server"}
