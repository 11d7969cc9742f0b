"""Secrets from SSM Parameter Store, per stage, through Powertools Parameters.

Each value is a SecureString under ``/sesame/<stage>/<name>``, decrypted and
cached in memory for ``SESAME_PARAMETER_MAX_AGE`` seconds (300 by default):
one SSM call per secret per Lambda instance every five minutes.
"""

from __future__ import annotations

from aws_lambda_powertools.utilities import parameters

from chalicelib.config import settings

CODE_PEPPER = "code-pepper"
EMAIL_HASH_KEY = "email-hash-key"


class SecretUnavailable(RuntimeError):
    """A secret could not be read: callers fail closed."""


def secret(name: str) -> bytes:
    """The current value of secret ``name`` for this stage."""
    config = settings()
    try:
        value = parameters.get_parameter(
            f"{config.parameter_prefix}/{name}", decrypt=True, max_age=config.parameter_max_age)
    except parameters.exceptions.GetParameterError as exc:
        raise SecretUnavailable(name) from exc
    if not value:
        raise SecretUnavailable(name)
    return str(value).encode("utf-8")
