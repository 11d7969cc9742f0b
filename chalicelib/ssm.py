"""Parameter Store reads through Powertools Parameters, shared by the settings (the resource
ids a deployed stage publishes) and the secrets (``chalicelib.params``).

It imports neither: both read through it, so neither imports the other.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities import parameters

from chalicelib import aws
from chalicelib.errors import DependencyError

_providers: dict[int, tuple[Any, parameters.SSMProvider]] = {}  # id(client) -> (client, its provider)


class SecretUnavailable(DependencyError):
    """A parameter could not be read: callers fail closed."""


def provider() -> parameters.SSMProvider:
    """Powertools' SSM provider over this function's own client: its role signs
    the call (as in Lambda), and the value cache lives as long as the client."""
    client = aws.client("ssm")
    found = _providers.get(id(client))
    if found is None or found[0] is not client:
        found = (client, parameters.SSMProvider(boto3_client=client))
        _providers[id(client)] = found
    return found[1]


def clear() -> None:
    """Forget every provider and its cached values."""
    _providers.clear()


def string(path: str, max_age: int) -> str:
    """A plain String parameter (a resource id the resource stack published), cached ``max_age`` s."""
    try:
        value = provider().get(path, max_age=max_age)
    except parameters.exceptions.GetParameterError as exc:
        raise SecretUnavailable(path.rsplit("/", 1)[-1]) from exc
    if not value:
        raise SecretUnavailable(path.rsplit("/", 1)[-1])
    return str(value)
