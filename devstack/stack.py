"""The embedded AWS: moto as an in-process server on 127.0.0.1, patched for
Cognito custom auth and IAM, with one stage's resources bootstrapped into it.

[SOURCEIP] https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html
           ($context.identity.sourceIp: "The source IP address of the immediate TCP
           connection making the request to the API Gateway endpoint")
[NOMETHOD] https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html
           (MISSING_AUTHENTICATION_TOKEN, 403: "including the cases when the client attempts
           to invoke an unsupported API method or resource")
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from moto.server import ThreadedMotoServer

from chalicelib import aws, config, params
from chalicelib.mail import outbox
from devstack import bootstrap, iam, lambdas, moto_patch, partial, quotas, slow, transport, wipe
from infra import policies
from infra.settings import stage_environment

ROOT = Path(__file__).resolve().parent.parent
REGION = "eu-west-1"  # not us-east-1, so region bugs (see moto_patch) show up
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
}


@dataclass
class LocalStack:
    """A running embedded AWS and the settings of the stage inside it."""

    server: ThreadedMotoServer
    endpoint: str
    stage: str
    env: dict[str, str] = field(default_factory=dict)
    #: Settings applied over the stage's own on every (re)bootstrap.
    overrides: dict[str, str] = field(default_factory=dict)

    #: The roles and operator the last bootstrap made (devstack/wipe.py), while still good.
    identities: wipe.Identities | None = None

    def reset(self) -> None:
        """Wipe every resource and bootstrap the stage again (fresh secrets); the roles and the
        operator are kept when nothing changed them (devstack/wipe.py)."""
        if self.identities and self.identities.still_good():
            wipe.keeping_identities()
        else:
            requests.post(f"{self.endpoint}/moto-api/reset", timeout=10).raise_for_status()
            self.identities = None
        self._bootstrap()

    def stop(self) -> None:
        transport.forget(self.endpoint)
        self.server.stop()

    def write_state(self, path: Path) -> None:
        """Where tools (``sesame-admin --stage local``) find this stack: its endpoint and settings."""
        import json

        path.parent.mkdir(parents=True, exist_ok=True)
        # The process id tells a live stack from the file a killed one left behind.
        path.write_text(json.dumps({"endpoint": self.endpoint, "env": self.env, "pid": os.getpid()}))

    def _bootstrap(self) -> None:
        from aws_lambda_powertools.utilities import parameters

        iam.enforce(False)
        lambdas.clear_faults()
        slow.clear()
        partial.withhold(0)
        quotas.reset()
        outbox.forget_answers()  # a new stack: no answer of the old one's SES is remembered
        env = stage_environment(self.stage)
        env.update(self.overrides)
        env.update(FAKE_CREDENTIALS)
        env["AWS_ENDPOINT_URL"] = self.endpoint
        os.environ.update(env)
        os.environ.pop("AWS_SESSION_TOKEN", None)
        aws.forget_clients()  # a handler a test registered on one goes with it
        # The bootstrap acts as the kept operator, else as anyone (IAM is not enforced meanwhile).
        aws.use_role("", _keys(self.identities.operator if self.identities else FAKE_CREDENTIALS))
        if self.identities:
            env.update(bootstrap.bootstrap(REGION, self.stage, env, roles=self.identities.roles))
            operator = self.identities.operator
        else:
            env.update(bootstrap.bootstrap(REGION, self.stage, env))
            operator = bootstrap.create_operator()
            roles = {f: c for f, c in aws.role_credentials().items() if f in policies.FUNCTIONS}
            self.identities = wipe.Identities(roles, operator)
        env.update(operator)
        pool = env["SESAME_USER_POOL_ID"]
        env["SESAME_JWKS_URI"] = f"{self.endpoint}/{pool}/.well-known/jwks.json"
        os.environ.update(env)
        # Code acting as no function (tests, tools): the operator.
        aws.use_role("", _keys(operator))
        self.env = env
        config.settings.cache_clear()
        config.brand.cache_clear()
        parameters.clear_caches()  # type: ignore[no-untyped-call]
        params.clear()
        iam.enforce(True)


def _keys(environment: dict[str, str]) -> dict[str, str]:
    """boto3 client keyword arguments for the access key in ``environment``."""
    return {"aws_access_key_id": environment["AWS_ACCESS_KEY_ID"],
            "aws_secret_access_key": environment["AWS_SECRET_ACCESS_KEY"]}


class Turns:
    """At most ``width`` at a time, first come first served (``threading.Semaphore`` is not fair)."""

    def __init__(self, width: int) -> None:
        self._width, self._issued, self._finished = width, 0, 0
        self._changed = threading.Condition()

    def __enter__(self) -> None:
        with self._changed:
            ticket, self._issued = self._issued, self._issued + 1
            self._changed.wait_for(lambda: ticket < self._finished + self._width)

    def __exit__(self, *exc: object) -> None:
        with self._changed:
            self._finished += 1
            self._changed.notify_all()


class ApiFunction:
    """The Chalice app, each request run as the API function's role, as in Lambda.

    The whole stack (moto, the API and the triggers) shares one interpreter. Run all at once,
    fifty requests made each trigger overrun Cognito's 5 seconds, which no Lambda (a CPU of its
    own) would: so four requests run at a time, and the others wait their turn. The gate is on
    requests, not connections: a browser's idle keep-alive connection holds no turn."""

    def __init__(self, app: Any) -> None:
        self._app = app
        self._turns = Turns(4)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._app, name)

    def __call__(self, event: Any, context: Any) -> Any:
        with self._turns, aws.acting_as("api_handler"):
            return self._app(event, context)


def local_server(app: Any, port: int, stage: str = "local") -> Any:
    """Chalice's local HTTP server for ``app`` on 127.0.0.1 (``port`` 0 picks a free one)."""
    from chalice.cli.factory import CLIFactory
    from chalice.local import (
        ChaliceRequestHandler,
        CustomLocalChalice,
        LocalChalice,
        LocalDevServer,
        ThreadedHTTPServer,
    )

    class Server(ThreadedHTTPServer):
        # socketserver's listen backlog is 5: fifty browsers at once got connection resets.
        request_queue_size = 256

    class PeerAddress(ChaliceRequestHandler):
        """[SOURCEIP] ``identity.sourceIp`` is the TCP peer's address (Chalice's local server
        says 127.0.0.1 for everyone, so per-IP limits could not tell two clients apart)."""

        def _generic_handle(self) -> None:
            self.local_gateway.event_converter.LOCAL_SOURCE_IP = self.client_address[0]
            super()._generic_handle()

        # The base class binds each method to its own _generic_handle: bind them to this one.
        do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = _generic_handle

        def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
            """[NOMETHOD] A method no route has (TRACE, ...) is API Gateway's 403, not http.server's 501."""
            if code != 501:
                super().send_error(code, message, explain)
                return
            body = b'{"message":"Missing Authentication Token"}'
            self.send_response(403)
            for name, value in (("Content-Type", "application/json"), ("Content-Length", str(len(body))),
                                ("x-amzn-ErrorType", "MissingAuthenticationTokenException")):
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

    chalice_config = CLIFactory(str(ROOT)).create_config_obj(chalice_stage_name=stage)
    if not isinstance(app, LocalChalice):  # what chalice.local.create_local_server does to the app
        CustomLocalChalice.__bases__ = (LocalChalice, app.__class__)
        app.__class__ = CustomLocalChalice
    return LocalDevServer(ApiFunction(app), chalice_config, "127.0.0.1", port,  # type: ignore[arg-type]
                          handler_cls=PeerAddress, server_cls=Server)


def start(stage: str = "local", port: int = 0, overrides: dict[str, str] | None = None) -> LocalStack:
    """Start moto on 127.0.0.1 (``port`` 0 picks a free one) and bootstrap ``stage``."""
    moto_patch.install()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per AWS call is noise
    # moto's IAM check logs whole requests at DEBUG: the emulator's logs, not the product's.
    logging.getLogger("moto").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    host, bound = server.get_host_and_port()
    transport.serve(f"http://{host}:{bound}", server._server.app)  # type: ignore[union-attr]
    stack = LocalStack(server=server, endpoint=f"http://{host}:{bound}", stage=stage,
                       overrides=dict(overrides or {}))
    aws.reset()  # clients made before now point elsewhere
    stack._bootstrap()
    return stack
