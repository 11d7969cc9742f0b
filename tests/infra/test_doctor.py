"""`make check` (infra/doctor.py) read against a rehearsed deploy of prod: what a fresh deploy still
lacks, all ✔ once the operator's steps are done, and each planted defect found by its own check
(tests/infra/doctor_rehearsal.py does the deploy and the planting, in its own process)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import prod_rehearsal

ROOT = Path(__file__).resolve().parents[2]
CHECKS = ["resource stack", "functions (chalice deploy)", "ids and secrets in SSM", "user pool client", "triggers",
          "SES identity and DKIM", "SES production access", "SES configuration set", "alarms and their topic",
          "API stage throttles", "custom domain and certificate"]


@pytest.fixture(scope="module")
def found(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> dict[str, Any]:
    # One deploy for the run, though this module's tests may run on several workers (and the
    # rehearsal's own test reads it too).
    return prod_rehearsal(tmp_path_factory, worker_id)


def test_a_fresh_deploy_lacks_what_only_the_operator_can_do(found: dict[str, Any]) -> None:
    assert set(found["fresh"]) == {"resource stack", "SES identity and DKIM", "custom domain and certificate"}
    assert found["fresh"]["SES identity and DKIM"] == ["sesame.example.com is not verified for sending",
                                                       "sesame.example.com's DKIM status is NOT_STARTED"]
    assert "sesame-prod-replace-with-yours cannot be read" in found["fresh"]["custom domain and certificate"][0]


def test_the_finished_deploy_is_all_ticks(found: dict[str, Any]) -> None:
    assert found["healthy"] == {}
    status, out = found["printed healthy"]
    assert status == 0 and out.count("✔") == len(CHECKS) and "✗" not in out
    assert f"prod: {len(CHECKS)} of {len(CHECKS)} checks pass" in out


@pytest.mark.parametrize("check", CHECKS)
def test_each_planted_defect_is_found_by_its_check_alone(found: dict[str, Any], check: str) -> None:
    assert list(found[check]) == [check], found[check]
    assert found[check][check]


def test_a_cross_says_what_is_wrong_and_the_fix(found: dict[str, Any]) -> None:
    status, out = found["printed sandbox"]
    assert status == 1
    assert "✗ SES production access: the SES account is in the sandbox\n    fix: request production access" in out
    assert found["repaired"] == {}, "every defect was undone: the checks see the repair too"
