"""Stage settings, read once from the environment Chalice gives each stage.

The values live in ``.chalice/config.json`` (one block per stage); resource
names (table ``sesame-<stage>``, key ``alias/sesame-<stage>``) are fixed per
stage there. The user pool and app client ids are Cognito's, known only once
the stage's resources exist: a deployed stage reads them from SSM
(``/sesame/<stage>/user-pool-id`` and ``client-id``, written by the resource
stack) on first use; ``devstack`` puts them in the environment instead.
Secrets are never here: see ``chalicelib.params``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from chalicelib.errors import DependencyError


class ConfigError(DependencyError):
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
    pool_id_setting: str  # "" when deployed: then read from SSM
    client_id_setting: str
    issuer_setting: str
    jwks_uri_setting: str
    table: str
    kms_key_id: str
    code_ttl: int
    code_max_attempts: int
    refresh_ttl: int
    cookie_path_prefix: str
    parameter_max_age: int
    dev_mailbox: bool
    reauth_minutes: int = 10  # how old a sign-in may be for a sensitive change (0: only a step-up counts)
    hsts_include_subdomains: bool = False  # SESAME_HSTS_INCLUDE_SUBDOMAINS=1: every subdomain is https too
    invite_days: int = 7  # how long an operator's invitation link works (SESAME_INVITE_DAYS)

    @property
    def public_origin(self) -> str:
        parts = urlsplit(self.public_url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def parameter_prefix(self) -> str:
        return f"/sesame/{self.stage}"

    @property
    def user_pool_id(self) -> str:
        return self.pool_id_setting or _resource_id(self, "user-pool-id")

    @property
    def client_id(self) -> str:
        return self.client_id_setting or _resource_id(self, "client-id")

    @property
    def issuer(self) -> str:
        return self.issuer_setting or f"https://cognito-idp.{self.region}.amazonaws.com/{self.user_pool_id}"

    @property
    def jwks_uri(self) -> str:
        return self.jwks_uri_setting or f"{self.issuer}/.well-known/jwks.json"


def _resource_id(settings: Settings, name: str) -> str:
    from chalicelib import ssm  # Powertools and boto3: only a deployed stage reads its ids

    return ssm.string(f"{settings.parameter_prefix}/{name}", settings.parameter_max_age)


@dataclass(frozen=True)
class Brand:
    """What the stage's emails and pages call the product, and how they look.

    Nothing user-facing names Sesame unless these settings do. ``template_dir``
    is a folder (relative to the project, shipped inside the package, e.g.
    under ``chalicelib/``) whose email templates replace ours one by one.
    """

    product: str
    support_email: str
    accent_colour: str
    logo_url: str
    template_dir: str
    code_in_subject: bool
    ses_configuration_set: str


_COLOUR = re.compile(r"#[0-9A-Fa-f]{6}")
_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@lru_cache(maxsize=1)
def brand() -> Brand:
    """The stage's branding (cached with ``brand.cache_clear()``)."""
    colour = _get("SESAME_ACCENT_COLOUR", "#1f6feb")
    logo = os.environ.get("SESAME_LOGO_URL", "")
    if not _COLOUR.fullmatch(colour):
        raise ConfigError("SESAME_ACCENT_COLOUR must be #rrggbb")
    if logo and (not logo.startswith("https://") or any(c in logo for c in "\"'<> ")):
        raise ConfigError("SESAME_LOGO_URL must be an https URL")  # mail clients block http images
    folder = os.environ.get("SESAME_TEMPLATE_DIR", "")
    if folder and not os.path.isdir(os.path.join(_ROOT, folder)):
        raise ConfigError("SESAME_TEMPLATE_DIR must be a folder of the project")
    return Brand(
        product=_get("SESAME_PRODUCT_NAME"),
        support_email=os.environ.get("SESAME_SUPPORT_EMAIL", ""),
        accent_colour=colour,
        logo_url=logo,
        template_dir=os.path.join(_ROOT, folder) if folder else "",
        code_in_subject=os.environ.get("SESAME_CODE_IN_SUBJECT", "0") == "1",
        ses_configuration_set=_get("SESAME_SES_CONFIGURATION_SET"),
    )


@lru_cache(maxsize=1)
def settings() -> Settings:
    """The current stage's settings (cached; ``settings.cache_clear()`` re-reads)."""
    region = _get("AWS_REGION", os.environ.get("AWS_DEFAULT_REGION", "us-east-1"))
    sign_up = _get("SESAME_SIGN_UP", "closed")
    if sign_up not in ("open", "closed"):
        raise ConfigError("SESAME_SIGN_UP must be open or closed")
    return Settings(
        stage=_get("SESAME_STAGE"),
        region=region,
        public_url=_get("SESAME_PUBLIC_URL").rstrip("/"),
        sender=_get("SESAME_SENDER"),
        sign_up=sign_up,
        pool_id_setting=os.environ.get("SESAME_USER_POOL_ID", ""),
        client_id_setting=os.environ.get("SESAME_CLIENT_ID", ""),
        issuer_setting=os.environ.get("SESAME_ISSUER", ""),
        jwks_uri_setting=os.environ.get("SESAME_JWKS_URI", ""),
        table=_get("SESAME_TABLE", ""),
        kms_key_id=_get("SESAME_KMS_KEY_ID", ""),
        code_ttl=_int("SESAME_CODE_TTL_SECONDS", 600),
        code_max_attempts=_int("SESAME_CODE_MAX_ATTEMPTS", 3),
        refresh_ttl=_int("SESAME_REFRESH_TOKEN_DAYS", 30) * 86400,
        cookie_path_prefix=_get("SESAME_COOKIE_PATH_PREFIX", "").rstrip("/"),
        parameter_max_age=_int("SESAME_PARAMETER_MAX_AGE", 300),
        dev_mailbox=os.environ.get("SESAME_DEV_MAILBOX") == "1",
        reauth_minutes=_reauth_minutes(),
        hsts_include_subdomains=os.environ.get("SESAME_HSTS_INCLUDE_SUBDOMAINS") == "1",
        invite_days=_invite_days(),
    )


def _invite_days() -> int:
    days = _int("SESAME_INVITE_DAYS", 7)
    if not 1 <= days <= 30:
        raise ConfigError("SESAME_INVITE_DAYS must be between 1 and 30")
    return days


def _reauth_minutes() -> int:
    minutes = _int("SESAME_REAUTH_MINUTES", 10)
    if not 0 <= minutes <= 1440:
        raise ConfigError("SESAME_REAUTH_MINUTES must be between 0 and 1440")
    return minutes
