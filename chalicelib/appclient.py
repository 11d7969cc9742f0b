"""The app client's secret: every Cognito auth call carries its SECRET_HASH.

The client has a secret (``GenerateSecret``) so that nobody holding only the
public client id can run the custom-auth flow against Cognito directly,
around the API's IP limits and failure cap. The secret is Cognito's own: the
API reads it with DescribeUserPoolClient and keeps it in memory for
``SESAME_PARAMETER_MAX_AGE`` seconds, like the SSM secrets. It is never in a
template, an environment variable or a log.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import time

from chalicelib import aws
from chalicelib.config import settings

_cache: dict[tuple[str, str], tuple[str, float]] = {}  # (pool, client) -> (secret, read at)
_lock = threading.Lock()


def secret() -> str:
    """The client secret ("" for a client without one)."""
    config = settings()
    key = (config.user_pool_id, config.client_id)
    found = _cache.get(key)
    if found is not None and time.monotonic() - found[1] < config.parameter_max_age:
        return found[0]
    described = aws.client("cognito-idp").describe_user_pool_client(
        UserPoolId=config.user_pool_id, ClientId=config.client_id)["UserPoolClient"]
    value = str(described.get("ClientSecret") or "")
    with _lock:
        _cache[key] = (value, time.monotonic())
    return value


def secret_hash(username: str) -> dict[str, str]:
    """``{"SECRET_HASH": ...}`` for ``username``, to merge into auth parameters
    (empty when the client has no secret)."""
    key = secret()
    if not key:
        return {}
    message = (username + settings().client_id).encode("utf-8")
    digest = hmac.new(key.encode("utf-8"), message, hashlib.sha256).digest()
    return {"SECRET_HASH": base64.b64encode(digest).decode("ascii")}


def clear() -> None:
    with _lock:
        _cache.clear()
