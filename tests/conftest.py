"""Shared fixtures: one embedded AWS per test session, wiped before each test."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chalicelib import aws
from devstack import stack as devstack

EVENTS = Path(__file__).parent / "events"


@pytest.fixture(scope="session")
def _embedded_aws() -> Iterator[devstack.LocalStack]:
    local = devstack.start(stage="local")
    yield local
    local.stop()


@pytest.fixture
def stack(_embedded_aws: devstack.LocalStack) -> devstack.LocalStack:
    """A freshly bootstrapped local stage (new pool, table, key and secrets)."""
    _embedded_aws.reset()
    return _embedded_aws


@pytest.fixture
def idp(stack: devstack.LocalStack) -> Any:
    return aws.client("cognito-idp")


def load_event(name: str) -> dict[str, Any]:
    """A raw AWS event from tests/events."""
    return dict(json.loads((EVENTS / f"{name}.json").read_text()))
