"""devstack.wipe: a reset keeps the roles and the operator only while nothing changed them."""

from __future__ import annotations

import json
from typing import Any

from chalicelib import aws
from chalicelib.config import settings
from devstack import wipe
from infra import policies


def _role_policy(name: str) -> dict[str, Any]:
    found = aws.client("iam").get_role_policy(RoleName=name, PolicyName=name)["PolicyDocument"]
    return found if isinstance(found, dict) else dict(json.loads(found))


def test_a_reset_empties_the_stage_and_keeps_untouched_identities(stack: Any) -> None:
    table, pool = settings().table, settings().user_pool_id
    aws.client("dynamodb").put_item(TableName=table, Item={"pk": {"S": "left-behind"}})
    kept = stack.identities
    stack.reset()
    assert stack.identities is kept  # the same roles, operator and credentials
    assert settings().user_pool_id != pool  # a new pool
    assert "Item" not in aws.client("dynamodb").get_item(TableName=table, Key={"pk": {"S": "left-behind"}})
    users = aws.client("iam").list_users()["Users"]
    assert [u["UserName"] for u in users] == ["devstack-operator"]


def test_a_reset_after_a_test_changed_a_role_makes_every_identity_again(stack: Any) -> None:
    name = f"sesame-local-{policies.FUNCTIONS[0]}"
    declared = _role_policy(name)
    before = wipe.identities()
    aws.client("iam").put_role_policy(RoleName=name, PolicyName=name, PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
    assert wipe.identities() != before
    kept = stack.identities
    stack.reset()
    assert stack.identities is not kept
    assert _role_policy(name) == declared


def test_identities_older_than_an_hour_are_made_again(stack: Any, monkeypatch: Any) -> None:
    # the roles' sessions expire after 12 hours: a long-running local stack must not outlive them
    kept = stack.identities
    monkeypatch.setattr(wipe, "KEEP_FOR", 0.0)
    stack.reset()
    assert stack.identities is not kept and stack.identities.roles != kept.roles
