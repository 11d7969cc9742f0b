"""The embedded AWS: moto as an in-process server on 127.0.0.1, patched for
Cognito custom auth, with one stage's resources bootstrapped into it."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field

import requests
from moto.server import ThreadedMotoServer

from chalicelib import aws, config
from devstack import bootstrap, moto_patch
from infra.settings import stage_environment

REGION = "eu-west-1"  # not us-east-1, so region bugs (see moto_patch) show up
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
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

    def reset(self) -> None:
        """Wipe every resource and bootstrap the stage again (fresh secrets)."""
        requests.post(f"{self.endpoint}/moto-api/reset", timeout=10).raise_for_status()
        self._bootstrap()

    def stop(self) -> None:
        self.server.stop()

    def _bootstrap(self) -> None:
        from aws_lambda_powertools.utilities import parameters

        env = stage_environment(self.stage)
        env.update(self.overrides)
        env.update(FAKE_CREDENTIALS)
        env["AWS_ENDPOINT_URL"] = self.endpoint
        os.environ.update(env)
        env.update(bootstrap.bootstrap(REGION, self.stage, env))
        pool = env["SESAME_USER_POOL_ID"]
        env["SESAME_JWKS_URI"] = f"{self.endpoint}/{pool}/.well-known/jwks.json"
        os.environ.update(env)
        self.env = env
        config.settings.cache_clear()
        parameters.clear_caches()  # type: ignore[no-untyped-call]


def start(stage: str = "local", port: int = 0, overrides: dict[str, str] | None = None) -> LocalStack:
    """Start moto on 127.0.0.1 (``port`` 0 picks a free one) and bootstrap ``stage``."""
    moto_patch.install()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per AWS call is noise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    host, bound = server.get_host_and_port()
    stack = LocalStack(server=server, endpoint=f"http://{host}:{bound}", stage=stage,
                       overrides=dict(overrides or {}))
    aws.reset()  # clients made before now point elsewhere
    stack._bootstrap()
    return stack
