"""Lazily created boto3 clients, one per service and thread-safe to share.

Created on first use so that importing the app costs no client setup (cold
start) and so that tests and the local stack can point them at moto through
``AWS_ENDPOINT_URL`` before the first call. ``reset()`` drops them.
"""

from __future__ import annotations

import threading
from typing import Any

import boto3
from botocore.config import Config

_clients: dict[str, Any] = {}
_sessions: list[boto3.session.Session] = []  # one session: models are loaded once
_lock = threading.Lock()
# Fail fast: an auth request that waits on a slow dependency is worse than a 503.
_CONFIG = Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 2, "mode": "standard"})


def client(service: str) -> Any:
    """The shared boto3 client for ``service``."""
    found = _clients.get(service)
    if found is None:
        with _lock:
            found = _clients.get(service)
            if found is None:
                if not _sessions:
                    _sessions.append(boto3.session.Session())
                found = _sessions[0].client(service, config=_CONFIG)
                _clients[service] = found
    return found


def reset() -> None:
    """Forget every client (the next call builds new ones)."""
    with _lock:
        _clients.clear()
        _sessions.clear()
