"""`make resources` picks up from any state a failed run leaves, against the embedded
AWS's CloudFormation (devstack/cloudformation.py adds the rules moto skips)."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib import aws
from devstack import cloudformation as cfn_rules
from devstack.bootstrap import ACCOUNT_ID
from devstack.stack import LocalStack
from infra import resources

NAME = "sesame-test-resources"
FAST = {"Delay": 1, "MaxAttempts": 5}


def template(topics: int = 1) -> dict[str, Any]:
    return {"Resources": {f"Topic{n}": {"Type": "AWS::SNS::Topic"} for n in range(topics)}}


@pytest.fixture
def cfn(stack: LocalStack) -> Any:
    return aws.client("cloudformation")


def leave(status: str) -> None:
    cfn_rules.leave(ACCOUNT_ID, aws.client("cloudformation").meta.region_name, NAME, status)


def change_sets(cfn: Any) -> list[dict[str, Any]]:
    return list(cfn.list_change_sets(StackName=NAME)["Summaries"])


def test_create_then_no_changes_then_update(cfn: Any) -> None:
    assert resources.apply(cfn, NAME, template(1), [], FAST) == "created"
    assert resources.apply(cfn, NAME, template(1), [], FAST) == "no changes"
    assert change_sets(cfn) == []  # the empty change set is not left behind
    assert resources.apply(cfn, NAME, template(2), [], FAST) == "updated"
    assert resources.status(cfn, NAME) == "UPDATE_COMPLETE"


def test_a_change_set_left_by_an_earlier_run_is_deleted_not_tripped_over(cfn: Any) -> None:
    resources.apply(cfn, NAME, template(1), [], FAST)
    # An earlier run died after creating its change set: it is still there, FAILED.
    cfn.create_change_set(StackName=NAME, ChangeSetName=f"{NAME}-change", ChangeSetType="UPDATE",
                          TemplateBody=__import__("json").dumps(template(1)))
    assert [c["Status"] for c in change_sets(cfn)] == ["FAILED"]
    assert resources.apply(cfn, NAME, template(2), [], FAST) == "updated"
    assert change_sets(cfn) == []


def test_a_failed_first_create_is_deleted_and_created_again(cfn: Any, capsys: pytest.CaptureFixture[str]) -> None:
    resources.apply(cfn, NAME, template(1), [], FAST)
    leave("ROLLBACK_COMPLETE")
    assert resources.apply(cfn, NAME, template(1), [], FAST) == "created"
    assert resources.status(cfn, NAME) == "CREATE_COMPLETE"
    assert "Nothing is kept" in capsys.readouterr().out


def test_a_failed_rollback_is_explained_with_the_command_that_continues_it(cfn: Any) -> None:
    resources.apply(cfn, NAME, template(1), [], FAST)
    leave("UPDATE_ROLLBACK_FAILED")
    with pytest.raises(resources.StackError) as caught:
        resources.apply(cfn, NAME, template(2), [], FAST)
    assert f"aws cloudformation continue-update-rollback --stack-name {NAME}" in str(caught.value)


def test_an_operation_in_progress_is_waited_for(cfn: Any) -> None:
    resources.apply(cfn, NAME, template(1), [], FAST)
    leave("UPDATE_IN_PROGRESS")
    with pytest.raises(resources.StackError, match="wait for it to settle"):
        resources.apply(cfn, NAME, template(2), [], FAST)


def test_the_embedded_cloudformation_keeps_cloudformations_rules(cfn: Any) -> None:
    import json

    from botocore.exceptions import ClientError

    resources.apply(cfn, NAME, template(1), [], FAST)
    cfn.create_change_set(StackName=NAME, ChangeSetName="same", ChangeSetType="UPDATE",
                          TemplateBody=json.dumps(template(2)))
    with pytest.raises(ClientError) as caught:  # [CSNAME]
        cfn.create_change_set(StackName=NAME, ChangeSetName="same", ChangeSetType="UPDATE",
                              TemplateBody=json.dumps(template(3)))
    assert caught.value.response["Error"]["Code"] == "AlreadyExistsException"
    cfn.create_change_set(StackName=NAME, ChangeSetName="other", ChangeSetType="UPDATE",
                          TemplateBody=json.dumps(template(3)))
    cfn.execute_change_set(ChangeSetName="other", StackName=NAME)
    assert change_sets(cfn) == []  # [CSEXEC]
    leave("ROLLBACK_COMPLETE")
    with pytest.raises(ClientError) as caught:  # [STATES]
        cfn.create_change_set(StackName=NAME, ChangeSetName="x", ChangeSetType="UPDATE",
                              TemplateBody=json.dumps(template(4)))
    assert "ROLLBACK_COMPLETE state and can not be updated" in caught.value.response["Error"]["Message"]
