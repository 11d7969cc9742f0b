"""Lazily created boto3 clients, one per service and thread-safe to share.

Created on first use so that importing the app costs no client setup (cold
start) and so that tests and the local stack can point them at moto through
``AWS_ENDPOINT_URL`` before the first call. ``reset()`` drops them.

In Lambda each function runs alone with its role's credentials in the
environment. The local stack hosts every function in one process, so it
names the function a piece of code runs as (``acting_as``) and hands in
that role's credentials (``use_role``); the embedded AWS then enforces each
role's own policy, as IAM would.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import threading
from collections.abc import Iterator
from typing import Any

import boto3
from botocore.config import Config

from chalicelib import deadline

# (role, service, profile) -> (the client, its event handlers when made: forget_clients)
_clients: dict[tuple[str, str, str], tuple[Any, int]] = {}
_sessions: list[boto3.session.Session] = []  # one session: models are loaded once
_role_credentials: dict[str, dict[str, str]] = {}
_lock = threading.Lock()
_role: contextvars.ContextVar[str] = contextvars.ContextVar("sesame_aws_role", default="")

# Fail fast: an auth request that waits on a slow dependency is worse than a 503.
_CONFIG = Config(connect_timeout=2, read_timeout=5, retries={"total_max_attempts": 2, "mode": "standard"})
# A call made within a request gets what is left of its budget (chalicelib.deadline) when that is
# less than _CONFIG's worst case: two attempts of 2 + 5 s, and up to 1 s of backoff between them.
API_WORST = 15.0
_BACKOFF = 1.0
_SHORTEST = 2.0  # below this, a call is not worth starting: the request gives up (503) instead
# Cognito runs our triggers inside the admin auth calls: up to 3 attempts of
# 5 s each (Lambda trigger docs), so the read timeout must outlast 15 s. And
# the SDK must not retry them: a retried AdminRespondToAuthChallenge answers
# the same challenge twice, which Cognito refuses (the session is single use).
_TRIGGERING_CONFIG = Config(connect_timeout=1, read_timeout=16, retries={"total_max_attempts": 1, "mode": "standard"})
# Such a call starts only when its worst case fits in the request's budget (chalicelib.deadline).
TRIGGERING_WORST = 17.0
# Inside a trigger: Cognito gives it 5 s and retries it, so one slow call must not
# take them all (1 s to connect, 2 s to read, one retry).
_TRIGGER_CONFIG = Config(connect_timeout=1, read_timeout=2, retries={"total_max_attempts": 2, "mode": "standard"})
TRIGGERS = ("define_auth_challenge", "create_auth_challenge", "verify_auth_challenge")


def _config(runs_triggers: bool) -> tuple[str, Config]:
    if runs_triggers:
        return "triggering", _TRIGGERING_CONFIG
    # Locally every function shares this process and names itself (acting_as); in Lambda, its function name.
    function = _role.get() or os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
    if function.endswith(TRIGGERS):
        return "trigger", _TRIGGER_CONFIG
    left = deadline.remaining()
    return ("api", _CONFIG) if left >= API_WORST else _fitting(left)


def _fitting(left: float) -> tuple[str, Config]:
    """A client whose worst case fits in ``left`` seconds, one per whole second (so few are made)."""
    seconds = int(left)
    if seconds < _SHORTEST:
        raise deadline.DeadlineExceeded()
    attempt = (seconds - _BACKOFF) / 2
    connect = min(2.0, attempt / 3)
    return f"api-{seconds}s", Config(connect_timeout=connect, read_timeout=attempt - connect,
                                     retries={"total_max_attempts": 2, "mode": "standard"})


def _within_budget(**_: Any) -> None:
    deadline.require(TRIGGERING_WORST)


def client(service: str, *, runs_triggers: bool = False) -> Any:
    """The shared boto3 client for ``service`` (for the current role, locally).

    ``runs_triggers``: for the Cognito calls that run our triggers (admin
    auth and respond): a longer read timeout, no SDK retry, and only when the
    request's budget has room for it. Inside a trigger: short timeouts.
    """
    profile, config = _config(runs_triggers)
    key = (_role.get(), service, profile)
    made = _clients.get(key)
    if made is None:
        with _lock:
            made = _clients.get(key)
            if made is None:
                if not _sessions:
                    _sessions.append(boto3.session.Session())
                found = _sessions[0].client(service, config=config, **_role_credentials.get(key[0], {}))
                if runs_triggers:
                    found.meta.events.register("before-call", _within_budget)
                made = _clients[key] = (found, _handlers(found))
    return made[0]


@contextlib.contextmanager
def acting_as(role: str) -> Iterator[None]:
    """Run the block as function ``role`` (its credentials, if ``use_role`` gave any)."""
    token = _role.set(role)
    try:
        yield
    finally:
        _role.reset(token)


def use_role(role: str, credentials: dict[str, str]) -> None:
    """Credentials (boto3 client keyword arguments) for code acting as ``role``."""
    with _lock:
        if _role_credentials.get(role) == credentials:
            return  # the same identity: its clients stay good (and are costly to make)
        _role_credentials[role] = dict(credentials)
        for key in [k for k in _clients if k[0] == role]:
            del _clients[key]


def role_credentials() -> dict[str, dict[str, str]]:
    """The functions' credentials ``use_role`` holds (not the default role's), to hand back later."""
    with _lock:
        return {role: dict(found) for role, found in _role_credentials.items() if role}


def forget_clients() -> None:
    """Drop every client that gained an event handler since it was made, keeping the roles: a
    handler one test registered never reaches the next. The others stay (each costs ~20 ms to make)."""
    with _lock:
        for key, (found, made_with) in list(_clients.items()):
            now = _handlers(found)
            if now < 0 or now != made_with:
                del _clients[key]


def _handlers(found: Any) -> int:
    """How many event handlers the client has (-1 when botocore's emitter is not as expected:
    then no client is ever kept)."""
    def count(node: dict[str, Any]) -> int:
        values = node.get("values")
        here = len(values.first) + len(values.middle) + len(values.last) if values else 0
        return here + sum(count(child) for child in node.get("children", {}).values())

    try:
        return count(found.meta.events._emitter._handlers._root)
    except AttributeError:
        return -1


def reset() -> None:
    """Forget every client and role (the next call builds new ones)."""
    with _lock:
        _clients.clear()
        _sessions.clear()
        _role_credentials.clear()
