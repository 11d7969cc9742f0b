"""The triggers load one Powertools data-class module, not all of them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_trigger_imports_only_the_cognito_event_classes() -> None:
    script = ("import json, sys, triggers.verify_auth_challenge as v\n"
              "prefix = 'aws_lambda_powertools.utilities.data_classes.'\n"
              "print(json.dumps(sorted(m for m in sys.modules if m.startswith(prefix))))\n"
              "assert v.VerifyAuthChallengeResponseTriggerEvent.__name__.startswith('VerifyAuthChallenge')\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "SESAME_STAGE": "dev"})
    assert done.returncode == 0, done.stderr
    modules = json.loads(done.stdout)
    assert "aws_lambda_powertools.utilities.data_classes.cognito_user_pool_event" in modules
    assert "aws_lambda_powertools.utilities.data_classes.sqs_event" not in modules
    assert len(modules) <= 4
