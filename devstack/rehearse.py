"""``make rehearse STAGE=<stage>``: deploy a stage into a fresh embedded AWS
as a user deploys it on AWS, then check what came out.

1. The stage's resources, created the way the local bootstrap creates them,
   from the same declarations as the resource stack (moto's CloudFormation
   cannot create Cognito pools); the trigger permissions and the API stage's
   throttling are applied from the resource template and ``infra/apistage``.
2. ``chalice deploy --stage <stage>`` itself, in a copy of the project (so no
   real deployment record is touched), against the embedded AWS.
3. The checks in ``infra/deployed.py``. Warns, without failing, when the
   stage's sender is not verified or the SES account is in the sandbox: on AWS
   those are DNS records and a support request.
4. Sign-ins through what was shipped (``devstack/rehearse_signin.py``): the
   uploaded zip on Python 3.12 under each function's environment and role,
   behind the imported API. Exit 1 on any mismatch or failed sign-in.

Not rehearsed, because moto does not model them: CloudFormation of the
resource stack (cfn-lint checks it: tests/test_package.py), SES production
access and DKIM, WAF, CloudWatch alarms firing (the alarms are created). README says what to check by hand.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REGION = "eu-west-1"
_SKIP = shutil.ignore_patterns(".git", ".venv", "build", "artifacts", "__pycache__", ".mypy_cache", ".ruff_cache",
                               ".pytest_cache", "deployed", "*.egg-info")


def _environment(endpoint: str) -> dict[str, str]:
    return {"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION}


def deployer_environment() -> dict[str, str]:
    """The environment of a user running chalice: none of the local stack's SESAME_* settings
    (SESAME_DEV_MAILBOX would add the dev mailbox's routes to the API being deployed)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("SESAME_")}


def chalice_deploy(stage: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``chalice deploy`` from the deploy virtualenv, in a copy of the project; Chalice's dependency cache
    is shared."""
    from infra.settings import DEPLOY_BIN

    cache = ROOT / ".chalice" / "deployments"
    with tempfile.TemporaryDirectory(prefix="sesame-rehearse-") as tmp:
        project = Path(tmp) / "project"
        shutil.copytree(ROOT, project, symlinks=True, ignore=_SKIP)
        done = subprocess.run([str(DEPLOY_BIN / "chalice"), "--project-dir", str(project),
                               "deploy", "--stage", stage], capture_output=True, text=True,
                              env={**deployer_environment(), **env}, timeout=900)
        built = project / ".chalice" / "deployments"
        if built.is_dir():
            shutil.copytree(built, cache, dirs_exist_ok=True)
    return done


def wire(stage: str, ids: dict[str, str]) -> None:
    """What the resource step adds after Chalice: trigger permissions, API stage settings, API log retention,
    and the alarms with their topic."""
    from chalicelib import aws
    from infra import apistage, logs
    from infra.template import build

    pool_arn = f"arn:aws:cognito-idp:{REGION}:123456789012:userpool/{ids['SESAME_USER_POOL_ID']}"
    for logical, resource in build(stage)["Resources"].items():
        if resource["Type"] == "AWS::Lambda::Permission":
            props = resource["Properties"]
            name = props["FunctionName"]["Fn::Sub"].rsplit(":", 1)[1]
            aws.client("lambda").add_permission(FunctionName=name, StatementId=logical, Action=props["Action"],
                                                Principal=props["Principal"], SourceArn=pool_arn)
    apigateway = aws.client("apigateway")
    apistage.apply(apigateway, stage, apistage.find_rest_api(apigateway, stage))
    logs.apply(aws.client("logs"), stage)
    _alarms(build(stage)["Resources"])


def _alarms(resources: dict[str, Any]) -> None:
    """The alarm topic, its subscription and the alarms, as the resource stack declares them."""
    from chalicelib import aws

    sns, cloudwatch = aws.client("sns"), aws.client("cloudwatch")
    topic = sns.create_topic(Name=resources["AlarmTopic"]["Properties"]["TopicName"])["TopicArn"]
    if "AlarmSubscription" in resources:
        wanted = resources["AlarmSubscription"]["Properties"]
        sns.subscribe(TopicArn=topic, Protocol=wanted["Protocol"], Endpoint=wanted["Endpoint"])
    for resource in resources.values():
        if resource["Type"] == "AWS::CloudWatch::Alarm":
            cloudwatch.put_metric_alarm(**{key: [topic] if key.endswith("Actions") else value
                                           for key, value in resource["Properties"].items()})


@contextlib.contextmanager
def deployed_stage(stage: str, *, wired: bool = True,
                   sign_in: bool = True) -> Iterator[tuple[dict[str, str], list[str]]]:
    """Deploy ``stage`` into a fresh embedded AWS, and keep that AWS up while the caller reads it:
    yields the resource ids and the mismatches found (or why the deploy failed), with the
    sign-ins' failures unless ``sign_in`` is false."""
    from moto.server import ThreadedMotoServer

    from chalicelib import aws
    from devstack import bootstrap, moto_patch
    from infra import deployed
    from infra.settings import stage_environment

    moto_patch.install()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        env = _environment(f"http://{host}:{port}")
        os.environ.update(env)
        aws.reset()
        ids = bootstrap.create_resources(REGION, stage, {**stage_environment(stage), **env})
        done = chalice_deploy(stage, env)
        if done.returncode != 0:
            yield ids, [f"chalice deploy failed:\n{done.stdout[-2000:]}{done.stderr[-4000:]}"]
            return
        if wired:
            wire(stage, ids)
        for warning in deployed.email_warnings(stage):
            print(f"WARNING {warning} (docs/operations.md: Emails and languages)")
        problems = deployed.check(stage, ids)
        yield ids, problems + (signed_in(stage, ids) if sign_in else [])
    finally:
        server.stop()


def signed_in(stage: str, ids: dict[str, str]) -> list[str]:
    """The sign-ins through the deployed package and API (devstack/rehearse_signin.py); their failures."""
    from devstack import iam, rehearse_signin
    from infra.settings import stage_environment

    env = stage_environment(stage)
    addresses = rehearse_signin.prepare(ids, env, REGION)
    with rehearse_signin.served(os.environ["AWS_ENDPOINT_URL"], REGION, ids, env) as served, iam.enforced():
        problems = rehearse_signin.sign_ins(served, addresses)
    print(f"sign-ins through the deployed package and API: {'FAILED' if problems else 'ok'}")
    return problems


def rehearse(stage: str, *, wired: bool = True) -> list[str]:
    """Deploy ``stage`` into a fresh embedded AWS; the mismatches found."""
    with deployed_stage(stage, wired=wired) as (_, problems):
        return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("stage")
    parser.add_argument("--unwired", action="store_true",
                        help="skip the resource stack's wiring (to see the checks catch it)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    problems = rehearse(args.stage, wired=not args.unwired)
    for problem in problems:
        print(f"MISMATCH {problem}")
    print(f"rehearsal of {args.stage}: {'FAILED' if problems else 'ok'} ({len(problems)} mismatches)")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
