"""Secrets from SSM Parameter Store, per stage, through Powertools Parameters.

Each value is a SecureString under ``/sesame/<stage>/<name>``, decrypted and
cached in memory for ``SESAME_PARAMETER_MAX_AGE`` seconds (300 by default):
one SSM call per secret per Lambda instance every five minutes.

Rotation: a secret ``<name>-previous`` (optional) is accepted alongside the
current value, so rotating ``code-pepper`` does not break codes in flight.
"""

from __future__ import annotations

import time

from aws_lambda_powertools.utilities import parameters

from chalicelib import ssm
from chalicelib.config import settings
from chalicelib.ssm import SecretUnavailable

__all__ = ["SecretUnavailable", "clear", "previous", "secret"]

CODE_PEPPER = "code-pepper"
EMAIL_HASH_KEY = "email-hash-key"


_absent: dict[str, float] = {}  # optional parameter name -> monotonic time until which it is absent


def clear() -> None:
    """Forget every cached value (tests, and the local stack after a reset)."""
    ssm.clear()
    _absent.clear()


def secret(name: str) -> bytes:
    """The current value of secret ``name`` for this stage."""
    value = _get(name)
    if value is None:
        raise SecretUnavailable(name)
    return value


def previous(name: str) -> bytes | None:
    """The value ``name`` had before its last rotation (``<name>-previous``), if kept."""
    return _get(f"{name}-previous")


def _get(name: str) -> bytes | None:
    config = settings()
    if _absent.get(name, 0.0) > time.monotonic():
        return None
    try:
        value = ssm.provider().get(f"{config.parameter_prefix}/{name}", decrypt=True, max_age=config.parameter_max_age)
    except parameters.exceptions.GetParameterError as exc:
        if "ParameterNotFound" in str(exc) and name.endswith("-previous"):
            # Remember the absence as long as a value would be cached: no SSM call per request.
            _absent[name] = time.monotonic() + config.parameter_max_age
            return None
        raise SecretUnavailable(name) from exc
    return str(value).encode("utf-8") if value else None
