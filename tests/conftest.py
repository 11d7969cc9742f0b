"""Shared fixtures: one embedded AWS per test session, wiped before each test."""

from __future__ import annotations

import fcntl
import gc
import io
import json
import logging
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from chalicelib import audit, aws
from devstack import stack as devstack
from devstack.browser import Browser
from devstack.mailbox import code_and_token

EVENTS = Path(__file__).parent / "events"


# Most tests sign in many times a minute; the limiter's own tests put the
# stage's real limits back (see the ``real_limits`` fixture).
GENEROUS_LIMITS = json.dumps({name: [10_000, 60] for name in (
    "sign_in_email_minute", "sign_in_email_hour", "sign_in_ip_hour", "link_ip", "code_ip", "passkey_ip",
    "account_failures", "passkey_failures", "approval_start_ip", "approval_entry_ip", "approval_entry_all")})


# The longest tests first (each a deploy, clean virtualenvs, or many cases), so that the four workers
# run them side by side early instead of one of them finishing the run alone. One doctor test starts
# its module's shared deploy early too; the module's other tests, later, read what it made.
FIRST = ("tests/infra/test_doctor.py::test_a_fresh_deploy_lacks_what_only_the_operator_can_do",
         "tests/test_rehearse.py::test_one_dev_deploy", "tests/verify/test_install.py", "tests/test_faults.py",
         "tests/frontend/test_accessibility.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        return next((i for i, prefix in enumerate(FIRST) if item.nodeid.startswith(prefix)), len(FIRST))

    items.sort(key=rank)  # stable: every other test keeps its place


def once_per_run(factory: pytest.TempPathFactory, worker_id: str, name: str, make: Callable[[], str]) -> str:
    """``make()``, made once per test run however many xdist workers need it (a deploy costs a
    minute of both cores): the first worker makes it under a lock, the others read its result
    from the run's shared temporary folder (pytest-xdist's documented pattern)."""
    if worker_id == "master":  # no workers: nothing to share
        return make()
    shared = factory.getbasetemp().parent  # this run's folder, above each worker's own
    done = shared / f"{name}.out"
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            done.write_text(make())
    return done.read_text()


def prod_rehearsal(factory: pytest.TempPathFactory, worker_id: str) -> dict[str, Any]:
    """One rehearsed deploy of prod for the run (tests/infra/doctor_rehearsal.py): the rehearsal's
    sign-ins, then ``make check`` on it healthy and with each planted defect."""
    import subprocess
    import sys

    def rehearse() -> str:
        done = subprocess.run([sys.executable, "-m", "tests.infra.doctor_rehearsal", "prod"], capture_output=True,
                              text=True, cwd=Path(__file__).resolve().parent.parent, timeout=900)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        return done.stdout.strip().splitlines()[-1]

    return dict(json.loads(once_per_run(factory, worker_id, "prod-rehearsal", rehearse)))


@pytest.fixture(scope="session")
def _embedded_aws() -> Iterator[devstack.LocalStack]:
    local = devstack.start(stage="local", overrides={"SESAME_LIMITS": GENEROUS_LIMITS})
    # Everything loaded so far (botocore's and moto's models, the test modules, the app) lives as
    # long as the worker: out of the garbage collector's sight, a full collection scans a fifth of
    # the objects (gen2 CPU 3.2 -> 1.8 s, the tests' CPU about 10% less, on six test files).
    gc.freeze()
    yield local
    local.stop()


@pytest.fixture
def stack(_embedded_aws: devstack.LocalStack) -> devstack.LocalStack:
    """A freshly bootstrapped local stage (new pool, table, key and secrets)."""
    _embedded_aws.reset()
    return _embedded_aws


@pytest.fixture
def real_limits(_embedded_aws: devstack.LocalStack, api: str) -> Iterator[None]:
    """The stage's own limits (the defaults in chalicelib/limits.py)."""
    saved = _embedded_aws.overrides.pop("SESAME_LIMITS")
    os.environ.pop("SESAME_LIMITS", None)
    _embedded_aws.reset()
    yield
    _embedded_aws.overrides["SESAME_LIMITS"] = saved
    os.environ["SESAME_LIMITS"] = saved


@pytest.fixture
def idp(stack: devstack.LocalStack) -> Any:
    return aws.client("cognito-idp")


FUNCTION_ROLES = ("api_handler", "define_auth_challenge", "create_auth_challenge", "verify_auth_challenge")


def function_clients(services: tuple[str, ...]) -> Iterator[tuple[str, Any]]:
    """Every client the API and the triggers use for ``services``, with its function's role
    (each function calls AWS through clients of its own role)."""
    for role in FUNCTION_ROLES:
        with aws.acting_as(role):
            for service in services:
                for runs_triggers in (False, True):
                    yield role, aws.client(service, runs_triggers=runs_triggers)


def watch_aws_calls(event: str, handler: Any, services: tuple[str, ...]) -> None:
    """Register a botocore hook on every client the API and the triggers use."""
    for _, client in function_clients(services):
        client.meta.events.register(event, handler)


def load_event(name: str) -> dict[str, Any]:
    """A raw AWS event from tests/events."""
    return dict(json.loads((EVENTS / f"{name}.json").read_text()))


@pytest.fixture(scope="session")
def _api_server(_embedded_aws: devstack.LocalStack) -> Iterator[str]:
    """The API on Chalice's local HTTP server, as `make dev` runs it."""
    import threading

    from app import app

    server = devstack.local_server(app, 0)
    port = server.server.server_address[1]
    _embedded_aws.overrides["SESAME_PUBLIC_URL"] = f"http://localhost:{port}"
    thread = threading.Thread(target=server.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture
def api(_api_server: str, stack: devstack.LocalStack) -> str:
    """The API's base URL, over a freshly bootstrapped stack."""
    return _api_server


@pytest.fixture
def browser(api: str, stack: devstack.LocalStack) -> Browser:
    return Browser(api, stack.env["SESAME_PUBLIC_URL"])


@pytest.fixture
def new_browser(api: str, stack: devstack.LocalStack) -> Any:
    """Open another browser (another device): no cookies shared."""
    return lambda: Browser(api, stack.env["SESAME_PUBLIC_URL"])


def create_user(email: str) -> None:
    """An existing, proven account (as after a completed sign-up)."""
    from chalicelib import accounts

    accounts.create(email, proven=True)


def inbox(email: str) -> list[dict[str, Any]]:
    """Mail sent to ``email``, newest first, read back from SES (moto)."""
    from devstack import mailbox

    return mailbox.messages(to=email)


@pytest.fixture
def user(stack: devstack.LocalStack) -> str:
    email = "ada@example.com"
    create_user(email)
    return email


def sign_in(browser: Browser, email: str) -> Any:
    """Run the code flow in ``browser``; the 200 reply."""
    assert browser.post("/auth/sign-in", {"email": email}).status == 202
    code, _ = code_and_token(inbox(email)[0])
    reply = browser.post("/auth/sign-in/code", {"code": code})
    assert reply.status == 200, reply.body
    return reply


def moto_signed(claims: dict[str, Any]) -> str:
    """A token signed with moto's Cognito key (kid "dummy"), with any claims:
    how tests make tokens Cognito would sign but that our checks must refuse."""
    import gzip
    import importlib.resources

    import jwt

    raw = (importlib.resources.files("moto.cognitoidp") / "resources" / "jwks-private.json.gz").read_bytes()
    key = jwt.algorithms.RSAAlgorithm.from_jwk(gzip.decompress(raw).decode())
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "dummy"})  # type: ignore[arg-type]


@pytest.fixture
def audit_log() -> Iterator[io.StringIO]:
    """Everything the audit logger writes, formatted as in Lambda."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(audit.logger.registered_formatter)
    logging.getLogger("sesame").addHandler(handler)
    yield buffer
    logging.getLogger("sesame").removeHandler(handler)


def events(text: str) -> list[dict[str, Any]]:
    """The audit events in ``text`` (what ``audit_log`` caught)."""
    found = []
    for line in text.splitlines():
        if line.startswith("{") and '"audit_version"' in line:
            found.append(json.loads(line))
    return found


@pytest.fixture
def rebrand(monkeypatch: pytest.MonkeyPatch, _embedded_aws: devstack.LocalStack) -> Iterator[Any]:
    """``rebrand(SESAME_PRODUCT_NAME="Acme", ...)`` changes the stage's branding settings for one test."""
    from chalicelib import config
    from chalicelib.mail import composer

    def change(**settings: str) -> None:
        for name, value in settings.items():
            monkeypatch.setenv(name, value)
        config.brand.cache_clear()
        composer.clear()

    yield change
    monkeypatch.undo()
    config.brand.cache_clear()
    composer.clear()
