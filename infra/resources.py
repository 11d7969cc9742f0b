"""``python -m infra.resources <stage>``: deploy the stage's resource stack
(``infra/template.py``) with CloudFormation, then apply the API stage's
throttling (``infra/apistage.py``) and the API's log retention
(``infra/logs.py``). Needed on the first deploy, after the
first ``chalice deploy --stage <stage>``, and whenever a resource setting
changes; code changes need only ``chalice deploy``.

It picks up from whatever state an earlier run left: every change set has a
name of its own and a failed one is deleted; a first create that failed
(``ROLLBACK_COMPLETE``) is deleted and created again; an update whose rollback
failed (``UPDATE_ROLLBACK_FAILED``) is explained with the command that
continues it; an update with no changes is a success.

Uses the caller's AWS credentials and region (``AWS_DEFAULT_REGION``).
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import boto3
from botocore.exceptions import ClientError, WaiterError

from infra import apistage, logs
from infra.template import build

NO_CHANGES = ("didn't contain changes", "No updates")
WAIT = {"Delay": 15, "MaxAttempts": 120}


class StackError(Exception):
    """The stack cannot be deployed now; the message says why and what to do."""


def stack_name(stage: str) -> str:
    return f"sesame-{stage}-resources"


def status(cloudformation: Any, name: str) -> str | None:
    """The stack's status, or None when there is none (REVIEW_IN_PROGRESS: created, never executed)."""
    try:
        stacks = cloudformation.describe_stacks(StackName=name)["Stacks"]
    except ClientError as exc:
        if "does not exist" in str(exc):
            return None
        raise
    found = str(stacks[0]["StackStatus"]) if stacks else None
    return None if found in (None, "REVIEW_IN_PROGRESS", "DELETE_COMPLETE") else found


def _recover(cloudformation: Any, name: str, waits: dict[str, int]) -> str | None:
    """Bring the stack to a state a change set can start from; its status then."""
    found = status(cloudformation, name)
    if found == "ROLLBACK_COMPLETE":
        print(f"{name}: the first create failed and was rolled back; deleting it to create it again. Nothing is "
              "kept: the table and the key are RetainExceptOnCreate, so a failed create removed them with it.")
        cloudformation.delete_stack(StackName=name)
        cloudformation.get_waiter("stack_delete_complete").wait(StackName=name, WaiterConfig=waits)
        return None
    if found == "UPDATE_ROLLBACK_FAILED":
        raise StackError(
            f"{name} is UPDATE_ROLLBACK_FAILED: an update failed and so did its rollback (often a resource changed "
            "or deleted outside CloudFormation). Fix that resource, then run\n"
            f"  aws cloudformation continue-update-rollback --stack-name {name}\n"
            "(add --resources-to-skip <LogicalId> for one that cannot be fixed), wait for UPDATE_ROLLBACK_COMPLETE, "
            "and run make resources again.")
    if found is not None and (found.endswith("_IN_PROGRESS") or found.endswith("_FAILED")):
        raise StackError(f"{name} is {found}: wait for it to settle (or see its events in the console), then run "
                         "make resources again.")
    return found


def _forget_failed(cloudformation: Any, name: str) -> None:
    """Delete change sets an earlier run left FAILED: they hold nothing worth keeping."""
    try:
        summaries = cloudformation.list_change_sets(StackName=name).get("Summaries", [])
    except ClientError:
        return  # no stack yet
    for summary in summaries:
        if summary.get("Status") == "FAILED":
            cloudformation.delete_change_set(ChangeSetName=summary["ChangeSetId"])


def apply(cloudformation: Any, name: str, template: dict[str, Any], parameters: list[dict[str, str]],
          waits: dict[str, int] = WAIT) -> str:
    """Create or update stack ``name`` from ``template``; what happened, in a few words.
    Raises ``StackError`` with the way out when it cannot."""
    kind = "UPDATE" if _recover(cloudformation, name, waits) else "CREATE"
    _forget_failed(cloudformation, name)
    change = cloudformation.create_change_set(
        StackName=name, ChangeSetName=f"{name}-{time.strftime('%Y%m%d%H%M%S')}-{time.time_ns() % 10**6:06d}",
        ChangeSetType=kind, Parameters=parameters, TemplateBody=json.dumps(template))
    try:
        cloudformation.get_waiter("change_set_create_complete").wait(ChangeSetName=change["Id"],
                                                                     WaiterConfig={"Delay": 5, "MaxAttempts": 120})
    except WaiterError:
        reason = cloudformation.describe_change_set(ChangeSetName=change["Id"]).get("StatusReason", "")
        cloudformation.delete_change_set(ChangeSetName=change["Id"])
        if any(text in reason for text in NO_CHANGES):
            return "no changes"
        raise StackError(f"the change set failed: {reason}")
    cloudformation.execute_change_set(ChangeSetName=change["Id"])
    waiter = "stack_create_complete" if kind == "CREATE" else "stack_update_complete"
    try:
        cloudformation.get_waiter(waiter).wait(StackName=name, WaiterConfig=waits)
    except WaiterError:
        raise StackError(f"{name} did not reach {kind}_COMPLETE ({status(cloudformation, name)}): see its events; "
                         "make resources picks up from there")
    return "created" if kind == "CREATE" else "updated"


def deploy(stage: str) -> int:
    cloudformation, apigateway = boto3.client("cloudformation"), boto3.client("apigateway")
    rest_api_id = apistage.find_rest_api(apigateway, stage)
    template = build(stage)
    parameters = [{"ParameterKey": "RestApiId", "ParameterValue": rest_api_id}] if "Parameters" in template else []
    name = stack_name(stage)
    try:
        done = apply(cloudformation, name, template, parameters)
    except StackError as exc:
        print(f"{name}: {exc}", file=sys.stderr)
        return 1
    apistage.apply(apigateway, stage, rest_api_id)
    logs.apply(boto3.client("logs"), stage)
    print(f"{name}: {done}; throttling applied to REST API {rest_api_id}; API log retention set")
    return 0


if __name__ == "__main__":
    raise SystemExit(deploy(sys.argv[1]))
