"""``python -m infra.resources <stage>``: deploy the stage's resource stack
(``infra/template.py``) with CloudFormation, then apply the API stage's
throttling (``infra/apistage.py``) and the API's log retention
(``infra/logs.py``). Needed on the first deploy, after the
first ``chalice deploy --stage <stage>``, and whenever a resource setting
changes; code changes need only ``chalice deploy``.

Uses the caller's AWS credentials and region (``AWS_DEFAULT_REGION``).
"""

from __future__ import annotations

import json
import sys
from typing import Any

import boto3
from botocore.exceptions import ClientError, WaiterError

from infra import apistage, logs
from infra.template import build


def stack_name(stage: str) -> str:
    return f"sesame-{stage}-resources"


def _exists(cloudformation: Any, name: str) -> bool:
    try:
        stacks = cloudformation.describe_stacks(StackName=name)["Stacks"]
    except ClientError as exc:
        if "does not exist" in str(exc):
            return False
        raise
    return bool(stacks) and stacks[0]["StackStatus"] != "REVIEW_IN_PROGRESS"


def deploy(stage: str) -> int:
    cloudformation, apigateway = boto3.client("cloudformation"), boto3.client("apigateway")
    rest_api_id = apistage.find_rest_api(apigateway, stage)
    template = build(stage)
    parameters = [{"ParameterKey": "RestApiId", "ParameterValue": rest_api_id}] if "Parameters" in template else []
    name = stack_name(stage)
    kind = "UPDATE" if _exists(cloudformation, name) else "CREATE"
    change = cloudformation.create_change_set(
        StackName=name, ChangeSetName=f"{name}-change", ChangeSetType=kind, Parameters=parameters,
        TemplateBody=json.dumps(template))
    try:
        cloudformation.get_waiter("change_set_create_complete").wait(ChangeSetName=change["Id"])
    except WaiterError:
        reason = cloudformation.describe_change_set(ChangeSetName=change["Id"]).get("StatusReason", "")
        if "didn't contain changes" not in reason and "No updates" not in reason:
            print(f"change set failed: {reason}", file=sys.stderr)
            return 1
        cloudformation.delete_change_set(ChangeSetName=change["Id"])
    else:
        cloudformation.execute_change_set(ChangeSetName=change["Id"])
        waiter = "stack_create_complete" if kind == "CREATE" else "stack_update_complete"
        cloudformation.get_waiter(waiter).wait(StackName=name, WaiterConfig={"Delay": 15, "MaxAttempts": 120})
    apistage.apply(apigateway, stage, rest_api_id)
    logs.apply(boto3.client("logs"), stage)
    print(f"{name}: deployed; throttling applied to REST API {rest_api_id}; API log retention set")
    return 0


if __name__ == "__main__":
    raise SystemExit(deploy(sys.argv[1]))
