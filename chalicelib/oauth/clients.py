"""Registered OAuth clients: who may ask for tokens, and where the answer may go.

Operators register clients (``sesame-admin client add``); nobody registers
themselves. The stage's clients live in one DynamoDB item, ``oauth#clients``:
one read answers a token request and the CORS allow-list alike, and a stage
has a handful of clients, far below DynamoDB's 400 KB item limit.

A confidential client holds a secret (stored as its SHA-256: it is 256 random
bits, so a slow hash buys nothing) and authenticates with HTTP Basic. A public
client (a CLI, a native app, a single-page app) holds none: PKCE binds its code.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from chalicelib import aws
from chalicelib.config import settings

REGISTRY = {"pk": {"S": "oauth#clients"}}
DEVICE_CODE_GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code"  # RFC 8628 §3.4
BROWSER_GRANTS = ("authorization_code", "refresh_token")
DEVICE_GRANTS = (DEVICE_CODE_GRANT_TYPE, "refresh_token")
SCOPES = ("openid", "email")
MAX_URI = 512
LOOPBACK_HOSTS = ("127.0.0.1", "[::1]")


class ClientError(ValueError):
    """A registration the operator must correct (a redirect URI or origin we cannot honour)."""


@dataclass(frozen=True)
class Client:
    """One registered client, in the shape Authlib's grants ask of a client (``ClientMixin``)."""

    client_id: str
    name: str
    redirect_uris: tuple[str, ...]
    public: bool
    origins: tuple[str, ...] = ()
    secret_hash: str = ""
    created_at: int = 0
    grant_types: tuple[str, ...] = field(default=BROWSER_GRANTS)

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        # A redirect URI must be named in every request (OAuth 2.1 §4.1.1), never defaulted.
        return None

    def get_allowed_scope(self, scope: str | None) -> str:
        return " ".join(s for s in (scope or "").split() if s in SCOPES)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return any(redirect_matches(registered, redirect_uri) for registered in self.redirect_uris)

    def check_client_secret(self, client_secret: str) -> bool:
        if self.public or not self.secret_hash:
            return False
        return hmac.compare_digest(_digest(client_secret), self.secret_hash)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == ("none" if self.public else "client_secret_basic")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.grant_types

    def public_view(self) -> dict[str, Any]:
        return {"client_id": self.client_id, "name": self.name, "type": "public" if self.public else "confidential",
                "redirect_uris": list(self.redirect_uris), "origins": list(self.origins),
                "grant_types": list(self.grant_types), "created_at": self.created_at}


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def redirect_matches(registered: str, asked: str) -> bool:
    """Exact match, except that a loopback redirect's port may differ (RFC 8252 §7.3:
    a native app takes whatever port the system gives it)."""
    if hmac.compare_digest(registered.encode(), asked.encode()):
        return True
    mine, theirs = urlsplit(registered), urlsplit(asked)
    if mine.scheme != "http" or mine.hostname is None or not _is_loopback(mine.netloc):
        return False
    try:
        theirs.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        return False
    return (theirs.scheme == "http" and _host(theirs.netloc) == _host(mine.netloc)
            and theirs.path == mine.path and theirs.query == mine.query and not theirs.fragment
            and theirs.username is None and theirs.password is None)


def _host(netloc: str) -> str:
    return netloc.rsplit(":", 1)[0] if not netloc.endswith("]") else netloc


def _is_loopback(netloc: str) -> bool:
    return _host(netloc) in LOOPBACK_HOSTS


def check_redirect_uri(uri: str) -> str:
    """A redirect URI we can register: https, a loopback http (RFC 8252 §7.3), or an
    app's private-use scheme (RFC 8252 §7.1); never a fragment, never ``localhost``."""
    parts = urlsplit(uri)
    if len(uri) > MAX_URI or parts.fragment or "#" in uri or not parts.scheme:
        raise ClientError(f"redirect URI {uri!r}: an absolute URI without a fragment")
    if parts.scheme == "https" and parts.hostname:
        return uri
    if parts.scheme == "http":
        if _is_loopback(parts.netloc):
            return uri
        raise ClientError(f"redirect URI {uri!r}: http only for http://127.0.0.1 or http://[::1] (RFC 8252 §7.3)")
    if "." in parts.scheme and parts.scheme not in ("javascript", "data", "file"):
        return uri  # com.example.app:/callback
    raise ClientError(f"redirect URI {uri!r}: https, loopback http, or a reverse-domain app scheme")


def check_origin(origin: str) -> str:
    """A web origin, ``scheme://host[:port]`` and nothing more; https unless loopback."""
    parts = urlsplit(origin)
    if (parts.scheme not in ("https", "http") or not parts.hostname or parts.path or parts.query
            or parts.fragment or parts.username or origin != f"{parts.scheme}://{parts.netloc}"):
        raise ClientError(f"origin {origin!r}: scheme://host[:port], nothing after")
    if parts.scheme == "http" and parts.hostname not in ("127.0.0.1", "::1", "localhost"):
        raise ClientError(f"origin {origin!r}: https, or http on a loopback host")
    return origin.lower()


def _from_map(client_id: str, item: dict[str, Any]) -> Client:
    return Client(client_id=client_id, name=item["name"]["S"],
                  redirect_uris=tuple(u["S"] for u in item["redirect_uris"]["L"]),
                  public=item["public"]["BOOL"], origins=tuple(o["S"] for o in item.get("origins", {}).get("L", [])),
                  secret_hash=item.get("secret_hash", {}).get("S", ""), created_at=int(item["created_at"]["N"]),
                  grant_types=tuple(g["S"] for g in item.get("grant_types", {}).get("L", [])) or BROWSER_GRANTS)


def all_clients() -> list[Client]:
    """Every registered client, oldest first."""
    item = aws.client("dynamodb").get_item(TableName=settings().table, Key=REGISTRY, ConsistentRead=True).get("Item")
    found = item.get("clients", {}).get("M", {}) if item else {}
    return sorted((_from_map(cid, value["M"]) for cid, value in found.items()), key=lambda c: c.created_at)


def get(client_id: str | None) -> Client | None:
    if not client_id or len(client_id) > 64:
        return None
    for client in all_clients():
        if hmac.compare_digest(client.client_id.encode(), client_id.encode("utf-8", "replace")):
            return client
    return None


def allowed_origins() -> frozenset[str]:
    """Every public client's origins: the CORS allow-list of discovery and preflights."""
    return frozenset(o for c in all_clients() if c.public for o in c.origins)


def add(name: str, redirect_uris: list[str], public: bool, origins: list[str],
        device: bool = False) -> tuple[Client, str]:
    """Register a client; returns it and its secret ("" for a public client), shown once.
    A ``device`` client (RFC 8628: a CLI, a TV) uses the device grant and has no redirect URI."""
    if not name.strip() or len(name) > 80 or bool(redirect_uris) == device:
        raise ClientError("a client needs a name (up to 80 characters), and at least one redirect URI"
                          " (a --device client none)")
    if origins and (not public or device):
        raise ClientError("only a public client is used from a browser: --origin needs --public")
    uris = tuple(check_redirect_uri(u) for u in redirect_uris)
    client = Client(client_id=f"sc_{secrets.token_urlsafe(16)}", name=name.strip(), redirect_uris=uris,
                    public=public, origins=tuple(check_origin(o) for o in origins), created_at=int(time.time()),
                    grant_types=DEVICE_GRANTS if device else BROWSER_GRANTS)
    secret = "" if public else secrets.token_urlsafe(32)
    value: dict[str, Any] = {
        "name": {"S": client.name}, "redirect_uris": {"L": [{"S": u} for u in uris]},
        "public": {"BOOL": public}, "origins": {"L": [{"S": o} for o in client.origins]},
        "created_at": {"N": str(client.created_at)}, "grant_types": {"L": [{"S": g} for g in client.grant_types]},
        **({"secret_hash": {"S": _digest(secret)}} if secret else {})}
    ddb, table = aws.client("dynamodb"), settings().table
    ddb.update_item(TableName=table, Key=REGISTRY, UpdateExpression="SET clients = if_not_exists(clients, :none)",
                    ExpressionAttributeValues={":none": {"M": {}}})
    ddb.update_item(TableName=table, Key=REGISTRY, UpdateExpression="SET clients.#id = :client",
                    ExpressionAttributeNames={"#id": client.client_id},
                    ExpressionAttributeValues={":client": {"M": value}})
    return client, secret


def remove(client_id: str) -> bool:
    """Unregister a client: its codes and refresh tokens stop working at once. False if unknown."""
    from botocore.exceptions import ClientError as AwsError

    try:
        aws.client("dynamodb").update_item(
            TableName=settings().table, Key=REGISTRY, UpdateExpression="REMOVE clients.#id",
            ConditionExpression="attribute_exists(clients.#id)", ExpressionAttributeNames={"#id": client_id})
    except AwsError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True
