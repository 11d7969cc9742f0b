"""`make rehearse`: each stage deployed with `chalice deploy` into a fresh
embedded AWS, then checked (devstack/rehearse.py, infra/deployed.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from infra.settings import stage_environment
from infra.template import sender_domain

ROOT = Path(__file__).resolve().parent.parent


def rehearse(*args: str) -> subprocess.CompletedProcess[str]:
    # Its own process: moto's backends are per process, and the tests' stack is running.
    return subprocess.run([sys.executable, "-m", "devstack.rehearse", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=900)


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_a_stage_deploys_with_chalice_deploy_and_matches_its_declarations(stage: str) -> None:
    done = rehearse(stage)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    assert f"rehearsal of {stage}: ok" in done.stdout
    assert "sign-ins through the deployed package and API: ok" in done.stdout
    # A fresh stage's sender has no DKIM records yet: the rehearsal says so, and still passes.
    domain = sender_domain(stage_environment(stage))
    assert f"WARNING the sender {domain} is not verified" in done.stdout


def test_the_rehearsal_fails_when_the_resource_stack_is_missing() -> None:
    done = rehearse("dev", "--unwired")
    assert done.returncode == 1
    assert "Cognito may not invoke sesame-dev-verify_auth_challenge" in done.stdout
    assert "throttling of POST /auth/sign-in is" in done.stdout
    assert "sesame-dev: logs are kept forever, expected 30 days" in done.stdout  # chalice names the API's group wrong


def test_the_domain_check_sees_a_missing_or_mismatched_custom_domain(stack: object,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from infra import deployed as deployment
    from infra import settings

    # The tests' embedded AWS holds no dev stage: its custom domain does not exist there.
    assert deployment.check_domain("dev") == ["the custom domain dev.sesame.example.com was not created"]
    config = settings.chalice_config()
    config["stages"]["dev"]["api_gateway_custom_domain"]["domain_name"] = "elsewhere.example.com"
    monkeypatch.setattr(deployment, "chalice_config", lambda: config)
    assert deployment.check_domain("dev") == [
        "the custom domain is elsewhere.example.com, but SESAME_PUBLIC_URL names dev.sesame.example.com"]
    del config["stages"]["dev"]["api_gateway_custom_domain"]
    assert deployment.check_domain("dev") == [
        "SESAME_PUBLIC_URL names dev.sesame.example.com, but the stage has no api_gateway_custom_domain"]


def test_the_rehearsal_signs_in_through_the_shipped_package_and_fails_on_each_planted_defect() -> None:
    """One deploy (tests/infra/rehearsal_defects.py), signed in healthy, with each defect, and repaired."""
    done = subprocess.run([sys.executable, "-m", "tests.infra.rehearsal_defects", "dev"], capture_output=True,
                          text=True, cwd=ROOT, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["healthy"] == []
    for defect, cause in {"missing dependency": "unhandled exception: ModuleNotFoundError",
                          "local-only setting": "missing setting SESAME_PUBLIC_URL",
                          "removed permission": "dependency:AccessDeniedException"}.items():
        assert found[defect], f"the rehearsal signed in despite a {defect}"
        assert cause in found[defect][0], found[defect][0]
    assert found["repaired"] == []  # each defect undone: the same deploy signs in again
