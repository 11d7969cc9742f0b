"""The deploy, checked offline: `chalice package` per stage with the merged
supporting resources, cfn-lint (with the SAM translator), least privilege,
and every handler importable from the zip alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from infra import policies, template

ROOT = Path(__file__).resolve().parent.parent
STAGES = ("local", "dev", "prod")


def tool(name: str) -> str:
    """A console script of this virtualenv."""
    return str(Path(sys.executable).parent / name)


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, cwd=ROOT, env=env, timeout=900)


@pytest.fixture(scope="module", params=STAGES)
def package(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    stage = request.param
    out = tmp_path_factory.mktemp(f"package-{stage}")
    merge = out / "merge.json"
    merge.write_text(json.dumps(template.build(stage)))
    env = {**os.environ, "AWS_DEFAULT_REGION": "eu-west-1"}
    env.pop("AWS_ENDPOINT_URL", None)
    done = run(tool("chalice"), "package", "--stage", stage, "--merge-template", str(merge),
               str(out / "out"), env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    return stage, out / "out"


def sam(package: tuple[str, Path]) -> dict[str, Any]:
    return dict(json.loads((package[1] / "sam.json").read_text()))


def test_cfn_lint_passes(package: tuple[str, Path]) -> None:
    done = run(tool("cfn-lint"), str(package[1] / "sam.json"))
    assert done.returncode == 0, done.stdout + done.stderr


def test_cfn_lint_runs_the_sam_checks(tmp_path: Path) -> None:
    # A broken SAM function (CodeUri missing, unknown property) must fail: proof the
    # SAM translator is installed and cfn-lint really transforms the template.
    broken = {"AWSTemplateFormatVersion": "2010-09-09", "Transform": "AWS::Serverless-2016-10-31",
              "Resources": {"Fn": {"Type": "AWS::Serverless::Function",
                                   "Properties": {"Runtime": "python3.11", "Handler": "app.x", "Bogus": 1}}}}
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken))
    assert run(tool("cfn-lint"), str(path)).returncode != 0


def test_every_handler_imports_from_the_zip_alone(package: tuple[str, Path], tmp_path: Path) -> None:
    stage, out = package
    with zipfile.ZipFile(out / "deployment.zip") as archive:
        archive.extractall(tmp_path)
    functions = {k: v for k, v in sam(package)["Resources"].items() if v["Type"] == "AWS::Serverless::Function"}
    handlers = sorted(f["Properties"]["Handler"] for f in functions.values())
    assert handlers == ["app.app", "app.remove_unproven", "triggers.create_auth_challenge.handler",
                        "triggers.define_auth_challenge.handler", "triggers.verify_auth_challenge.handler"]
    script = (
        "import importlib, sys\n"
        f"sys.path[:] = [{str(tmp_path)!r}] + [p for p in sys.path if 'site-packages' not in p and p]\n"
        f"for handler in {handlers!r}:\n"
        "    module, _, name = handler.rpartition('.')\n"
        "    assert callable(getattr(importlib.import_module(module), name)), handler\n"
        "import sesame_verify, boto3, jwt\n"
        "assert all(m.__file__.startswith(sys.path[0]) for m in (sesame_verify, boto3, jwt))\n"
        "print('ok')\n")
    env = {"PATH": "/usr/bin:/bin", "SESAME_STAGE": stage, "AWS_DEFAULT_REGION": "eu-west-1"}
    done = subprocess.run([sys.executable, "-I", "-S", "-c", script], capture_output=True, text=True, env=env,
                          timeout=300)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
    assert not (tmp_path / "devstack").exists()  # the local stack never ships


def test_supporting_resources(package: tuple[str, Path]) -> None:
    stage, _ = package
    resources = sam(package)["Resources"]
    env = template.stage_environment(stage)
    pool = resources["UserPool"]["Properties"]
    assert pool["LambdaConfig"]["VerifyAuthChallengeResponse"] == {"Fn::GetAtt": ["VerifyAuthChallenge", "Arn"]}
    client = resources["UserPoolClient"]["Properties"]
    assert set(client["ExplicitAuthFlows"]) == {"ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}
    assert client["PreventUserExistenceErrors"] == "ENABLED" and client["EnableTokenRevocation"] is True
    assert client["AccessTokenValidity"] == int(env["SESAME_ACCESS_TOKEN_MINUTES"])
    assert sum(1 for r in resources.values() if r["Type"] == "AWS::Lambda::Permission"
               and r["Properties"]["Principal"] == "cognito-idp.amazonaws.com") == 3
    assert resources["LinkKey"]["Properties"]["EnableKeyRotation"] is True
    table = resources["Table"]["Properties"]
    assert table["TimeToLiveSpecification"]["Enabled"] and table["PointInTimeRecoverySpecification"]
    assert resources["SenderIdentity"]["Type"] == "AWS::SES::EmailIdentity"
    assert not [r for r in resources.values() if r["Type"] == "AWS::SSM::Parameter"]  # values never in templates
    text = json.dumps(resources)
    assert "code-pepper" not in text.replace(f"/sesame/{stage}/code-pepper", "")


def test_api_gateway_throttling_per_route_and_method(package: tuple[str, Path]) -> None:
    stage, _ = package
    settings = sam(package)["Resources"]["RestAPI"]["Properties"]["MethodSettings"]
    by_route = {(s["HttpMethod"], s["ResourcePath"]): s for s in settings}
    default = by_route[("*", "/*")]
    if stage != "local":
        sign_in = by_route[("POST", "~1auth~1sign-in")]
        assert sign_in["ThrottlingRateLimit"] < default["ThrottlingRateLimit"]
        assert sign_in["ThrottlingBurstLimit"] < default["ThrottlingBurstLimit"]


def test_alarms_and_dashboard(package: tuple[str, Path]) -> None:
    stage, _ = package
    resources = sam(package)["Resources"]
    alarms = {k for k, v in resources.items() if v["Type"] == "AWS::CloudWatch::Alarm"}
    for logical in template.FUNCTION_IDS.values():
        assert {f"{logical}ErrorsAlarm", f"{logical}ThrottlesAlarm"} <= alarms
    assert {"Api5xxAlarm", "ApiThrottledAlarm", "LimiterAlarm", "FailedSignInAlarm", "SesBounceAlarm",
            "SesComplaintAlarm", "LatencyAuthSignInPostAlarm"} <= alarms
    assert all(resources[a]["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}] for a in alarms)
    body = resources["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    assert "Sign-in funnel" in body and "Failures by reason" in body
    subscribed = "AlarmSubscription" in resources
    assert subscribed == bool(template.deploy_settings(stage)["alarm_email"])


def test_one_least_privilege_role_per_function(package: tuple[str, Path]) -> None:
    stage, _ = package
    resources = sam(package)["Resources"]
    functions = {k: v for k, v in resources.items() if v["Type"] == "AWS::Serverless::Function"}
    roles = {f["Properties"]["Role"]["Fn::GetAtt"][0] for f in functions.values()}
    sender_identity = f"identity/{template.stage_environment(stage)['SESAME_SENDER'].rsplit('@', 1)[1].rstrip('>')}"
    assert len(roles) == len(functions)
    actions: dict[str, set[str]] = {}
    for name, function in functions.items():
        role = resources[function["Properties"]["Role"]["Fn::GetAtt"][0]]
        statements = [s for p in role["Properties"]["Policies"] for s in p["PolicyDocument"]["Statement"]]
        actions[name] = {a for s in statements for a in s["Action"]}
        for statement in statements:
            assert all("*" not in action for action in statement["Action"]), statement
            # Scoped to the stage: by name, by tag or alias condition, or the stage's own SES identity.
            resource = statement["Resource"]
            assert stage in json.dumps(statement) or resource.endswith(sender_identity), statement
            assert stage in resource or "Condition" in statement or resource.endswith(sender_identity)
    assert "kms:Encrypt" in actions["APIHandler"] and "kms:Decrypt" not in actions["APIHandler"]
    assert [n for n, a in actions.items() if "kms:Decrypt" in a] == ["VerifyAuthChallenge"]
    assert [n for n, a in actions.items() if "kms:Encrypt" in a] == ["APIHandler"]


def test_committed_policy_files_match_the_generator() -> None:
    for stage in STAGES:
        for function in policies.FUNCTIONS:
            assert json.loads(policies.path(stage, function).read_text()) == policies.policy(stage, function)


@pytest.mark.parametrize("package", ["dev"], indirect=True)  # the zip does not depend on the stage
def test_bytecode_is_added_and_used(package: tuple[str, Path], tmp_path: Path) -> None:
    import shutil

    from infra.bytecode import add_bytecode

    stage, out = package
    archive = tmp_path / "deployment.zip"
    shutil.copy(out / "deployment.zip", archive)
    assert add_bytecode(archive) > 500
    with zipfile.ZipFile(archive) as zipped:
        names = set(zipped.namelist())
        zipped.extractall(tmp_path / "task")
    assert "triggers/__pycache__/verify_auth_challenge.cpython-311.pyc" in names
    script = ("import sys; sys.path.insert(0, '.'); import triggers.verify_auth_challenge as v; "
              "print(v.__cached__)")
    done = subprocess.run([sys.executable, "-S", "-B", "-c", script], cwd=tmp_path / "task", capture_output=True,
                          text=True, env={"PATH": "/usr/bin:/bin", "SESAME_STAGE": stage})
    assert done.returncode == 0 and done.stdout.strip().endswith(".pyc"), done.stderr
