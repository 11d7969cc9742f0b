"""Run as ``python -m tests.infra.rehearsal_defects STAGE`` (its own process: moto's backends are
per process). One deploy of STAGE, as ``make rehearse`` does, read in turn: its checks before the
resource stack's wiring (``unwired``) and after (``checked``); the sign-ins on the healthy deploy,
then once per planted defect, undoing each before the next. Each defect is planted where a mistake
would put it on AWS: the uploaded package, the function's configuration, the function's role.
Prints one JSON object: variant -> problems.
"""

from __future__ import annotations

import io
import json
import sys
import zipfile
from collections.abc import Callable
from typing import Any

from chalicelib import aws
from devstack import rehearse
from infra import deployed

Defect = tuple[Callable[[], Any], Callable[[], Any]]  # (plant, undo)
MISSING_PACKAGE = "email_validator"
LOCAL_ONLY_SETTING = "SESAME_PUBLIC_URL"
REMOVED_ACTION = "cognito-idp:AdminRespondToAuthChallenge"


def _without(package: bytes, top: str) -> bytes:
    """The zip without one top-level package: what chalice builds when requirements.txt lacks it.
    Deflated at level 1 (1.5 s of CPU, not 3; 40 MB, still under Lambda's 50 MB for a direct upload)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as found, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as kept:
        for item in found.infolist():
            if item.filename.split("/", 1)[0] != top:
                kept.writestr(item, found.read(item), compresslevel=1)
    return out.getvalue()


def missing_dependency(function: str) -> Defect:
    from devstack.runtime import package

    client = aws.client("lambda")
    arn = client.get_function_configuration(FunctionName=function)["FunctionArn"]
    original = package(arn)
    return (lambda: client.update_function_code(FunctionName=function, ZipFile=_without(original, MISSING_PACKAGE)),
            lambda: client.update_function_code(FunctionName=function, ZipFile=original))


def local_only_setting(function: str) -> Defect:
    """The stage's config lacks a setting the code reads, as when only the local stage sets it."""
    client = aws.client("lambda")
    variables = client.get_function_configuration(FunctionName=function)["Environment"]["Variables"]
    lacking = {k: v for k, v in variables.items() if k != LOCAL_ONLY_SETTING}
    return (lambda: client.update_function_configuration(FunctionName=function, Environment={"Variables": lacking}),
            lambda: client.update_function_configuration(FunctionName=function, Environment={"Variables": variables}))


def removed_permission(function: str) -> Defect:
    iam = aws.client("iam")
    role = aws.client("lambda").get_function_configuration(FunctionName=function)["Role"].rsplit("/", 1)[-1]
    name = iam.list_role_policies(RoleName=role)["PolicyNames"][0]
    document = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
    lacking = json.loads(json.dumps(document))
    for statement in lacking["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        statement["Action"] = [action for action in actions if action != REMOVED_ACTION] or ["sts:GetCallerIdentity"]
    return (lambda: iam.put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=json.dumps(lacking)),
            lambda: iam.put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=json.dumps(document)))


def main(stage: str) -> None:
    api = f"sesame-{stage}"
    found: dict[str, Any] = {}
    with rehearse.deployed_stage(stage, wired=False, sign_in=False) as (ids, problems):
        found["unwired"] = problems
        rehearse.wire(stage, ids)
        found["checked"] = deployed.check(stage, ids)
        found["healthy"] = rehearse.signed_in(stage, ids)
        for name, (plant, undo) in {"missing dependency": missing_dependency(api),
                                    "local-only setting": local_only_setting(api),
                                    "removed permission": removed_permission(api)}.items():
            plant()
            found[name] = rehearse.signed_in(stage, ids)
            undo()
        found["repaired"] = rehearse.signed_in(stage, ids)
    print(json.dumps(found))


if __name__ == "__main__":
    main(sys.argv[1])
