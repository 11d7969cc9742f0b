"""The declarative settings both the local bootstrap and the deploy template read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Cognito trigger event -> the module in triggers/ that handles it.
TRIGGERS = {
    "DefineAuthChallenge": "define_auth_challenge",
    "CreateAuthChallenge": "create_auth_challenge",
    "VerifyAuthChallengeResponse": "verify_auth_challenge",
}
SECRET_NAMES = ("code-pepper", "email-hash-key")
# Chalice declares the runtime of the interpreter that runs it, so deploys run
# from a Python 3.12 virtualenv (``make deploy-env``): python3.11's Amazon Linux 2
# reached end of life on 2026-06-30.
LAMBDA_RUNTIME = "python3.12"
DEPLOY_BIN = ROOT / ".venv-deploy" / "bin"


def infra(name: str) -> dict[str, Any]:
    """One of the declarative settings files in ``infra/``, minus comments."""
    data = json.loads((ROOT / "infra" / f"{name}.json").read_text())
    return {k: v for k, v in data.items() if not k.startswith("_")}


def chalice_config() -> dict[str, Any]:
    return dict(json.loads((ROOT / ".chalice" / "config.json").read_text()))


def stage_environment(stage: str) -> dict[str, str]:
    """The environment Chalice gives ``stage``: global block, then stage block."""
    config = chalice_config()
    env = dict(config.get("environment_variables", {}))
    env.update(config["stages"][stage].get("environment_variables", {}))
    return env


def function_setting(stage: str, function: str, key: str) -> Any:
    """A Chalice setting as Chalice looks it up: the function in the stage, the stage, the top level."""
    config = chalice_config()
    block = config["stages"][stage]
    for scope in (block.get("lambda_functions", {}).get(function, {}), block, config):
        if key in scope:
            return scope[key]
    return None
