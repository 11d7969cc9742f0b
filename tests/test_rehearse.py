"""`make rehearse`: a stage deployed with `chalice deploy` into a fresh embedded AWS, checked
(devstack/rehearse.py, infra/deployed.py), and signed in through what was shipped
(devstack/rehearse_signin.py). prod once for the run (shared with `make check`'s tests,
tests/conftest.prod_rehearsal); dev once, read in turn unwired, wired, signed in, and with each
planted defect (tests/infra/rehearsal_defects.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from infra.settings import stage_environment
from infra.template import sender_domain
from tests.conftest import prod_rehearsal

ROOT = Path(__file__).resolve().parent.parent


def test_prod_deploys_with_chalice_deploy_matches_its_declarations_and_signs_in(
        tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> None:
    # The run's one prod deploy (tests/conftest.prod_rehearsal), which the doctor's tests read too.
    rehearsal = prod_rehearsal(tmp_path_factory, worker_id)["rehearsal"]
    assert rehearsal["problems"] == []
    assert "sign-ins through the deployed package and API: ok" in rehearsal["said"]
    # A fresh stage's sender has no DKIM records yet: the rehearsal says so, and still passes.
    domain = sender_domain(stage_environment("prod"))
    assert f"WARNING the sender {domain} is not verified" in rehearsal["said"]


def test_the_command_says_ok_and_exits_0_when_nothing_is_wrong(monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    from devstack import rehearse as rehearsal

    monkeypatch.setattr(rehearsal, "rehearse", lambda stage, wired: [])
    assert rehearsal.main(["prod"]) == 0
    assert capsys.readouterr().out == "rehearsal of prod: ok (0 mismatches)\n"


def test_a_failed_sign_in_fails_the_rehearsal(monkeypatch: pytest.MonkeyPatch) -> None:
    """What ``main`` prints and returns when the sign-ins (or the checks) found problems."""
    from devstack import rehearse as rehearsal

    monkeypatch.setattr(rehearsal, "rehearse", lambda stage, wired: ["sign-in by code: answered 503"])
    assert rehearsal.main(["dev"]) == 1


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


def test_one_dev_deploy_checked_unwired_and_wired_then_signed_in_healthy_and_with_each_planted_defect() -> None:
    """One deploy (tests/infra/rehearsal_defects.py) read in turn, for the time a deploy takes."""
    done = subprocess.run([sys.executable, "-m", "tests.infra.rehearsal_defects", "dev"], capture_output=True,
                          text=True, cwd=ROOT, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    # Without the resource stack's wiring, the checks see what it adds.
    assert any(p.startswith("Cognito may not invoke sesame-dev-verify_auth_challenge") for p in found["unwired"])
    assert any(p.startswith("throttling of POST /auth/sign-in is") for p in found["unwired"])
    assert "sesame-dev: logs are kept forever, expected 30 days" in found["unwired"]  # chalice names it wrong
    assert found["checked"] == [] and found["healthy"] == []
    for defect, cause in {"missing dependency": "unhandled exception: ModuleNotFoundError",
                          "local-only setting": "missing setting SESAME_PUBLIC_URL",
                          "removed permission": "dependency:AccessDeniedException"}.items():
        assert found[defect], f"the rehearsal signed in despite a {defect}"
        assert cause in found[defect][0], found[defect][0]
    assert found["repaired"] == []  # each defect undone: the same deploy signs in again
