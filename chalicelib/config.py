"""Stage settings, read once from the environment Chalice gives each stage.

The values live in ``.chalice/config.json`` (one block per stage); resource
ids (pool, client, table, key) are filled in by the deploy template, or by
``devstack`` locally. Secrets are never here: see ``chalicelib.params``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit


class ConfigError(RuntimeError):
    """A required setting is missing or malformed."""


def _get(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None or value == "":
        if default is not None:
            return default
        raise ConfigError(f"missing setting {name}")
    return value


def _int(name: str, default: int) -> int:
    try:
        return int(_get(name, str(default)))
    except ValueError as exc:
        raise ConfigError(f"setting {name} must be an integer") from exc


@dataclass(frozen=True)
class Settings:
    stage: str
    region: str
    public_url: str
    sender: str
    sign_up: str
    user_pool_id: str
    client_id: str
    table: str
    kms_key_id: str
    code_ttl: int
    code_max_attempts: int
    refresh_ttl: int
    cookie_path_prefix: str
    parameter_max_age: int
    dev_mailbox: bool
    issuer: str
    jwks_uri: str

    @property
    def public_origin(self) -> str:
        parts = urlsplit(self.public_url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def parameter_prefix(self) -> str:
        return f"/sesame/{self.stage}"


@lru_cache(maxsize=1)
def settings() -> Settings:
    """The current stage's settings (cached; ``settings.cache_clear()`` re-reads)."""
    region = _get("AWS_REGION", os.environ.get("AWS_DEFAULT_REGION", "us-east-1"))
    pool_id = _get("SESAME_USER_POOL_ID", "")
    issuer = _get("SESAME_ISSUER", f"https://cognito-idp.{region}.amazonaws.com/{pool_id}")
    sign_up = _get("SESAME_SIGN_UP", "closed")
    if sign_up not in ("open", "closed"):
        raise ConfigError("SESAME_SIGN_UP must be open or closed")
    return Settings(
        stage=_get("SESAME_STAGE"),
        region=region,
        public_url=_get("SESAME_PUBLIC_URL").rstrip("/"),
        sender=_get("SESAME_SENDER"),
        sign_up=sign_up,
        user_pool_id=pool_id,
        client_id=_get("SESAME_CLIENT_ID", ""),
        table=_get("SESAME_TABLE", ""),
        kms_key_id=_get("SESAME_KMS_KEY_ID", ""),
        code_ttl=_int("SESAME_CODE_TTL_SECONDS", 600),
        code_max_attempts=_int("SESAME_CODE_MAX_ATTEMPTS", 3),
        refresh_ttl=_int("SESAME_REFRESH_TOKEN_DAYS", 30) * 86400,
        cookie_path_prefix=_get("SESAME_COOKIE_PATH_PREFIX", "").rstrip("/"),
        parameter_max_age=_int("SESAME_PARAMETER_MAX_AGE", 300),
        dev_mailbox=os.environ.get("SESAME_DEV_MAILBOX") == "1",
        issuer=issuer,
        jwks_uri=_get("SESAME_JWKS_URI", f"{issuer}/.well-known/jwks.json"),
    )
