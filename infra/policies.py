"""Least-privilege IAM policies, one per function per stage.

Written to ``.chalice/policy-<stage>-<function>.json`` (``autogen_policy`` is
off); ``python -m infra.policies`` regenerates them and a test checks the
committed files match. Resources are scoped by the stage's names: table
``sesame-<stage>``, KMS alias ``alias/sesame-<stage>``, parameters under
``/sesame/<stage>/``, the user pool by its ``sesame-stage`` tag (its id is
random), log groups ``/aws/lambda/sesame-<stage>-*``. No ``*`` action.
Only the API may KMS-encrypt; only Verify may KMS-decrypt.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from infra.settings import stage_environment

ROOT = Path(__file__).resolve().parent.parent
STAGES = ("local", "dev", "prod")
FUNCTIONS = ("api_handler", "define_auth_challenge", "create_auth_challenge", "verify_auth_challenge",
             "remove_unproven")


def _sender_domain(stage: str) -> str:
    return stage_environment(stage)["SESAME_SENDER"].rsplit("@", 1)[1].rstrip(">")


def _statements(stage: str) -> dict[str, dict[str, Any]]:
    table = f"arn:aws:dynamodb:*:*:table/sesame-{stage}"
    pool_tag = {"StringEquals": {"aws:ResourceTag/sesame-stage": stage}}
    key_alias = {"ForAnyValue:StringEquals": {"kms:ResourceAliases": f"alias/sesame-{stage}"}}

    def cognito(*actions: str) -> dict[str, Any]:
        return {"Effect": "Allow", "Action": [f"cognito-idp:{a}" for a in actions],
                "Resource": "arn:aws:cognito-idp:*:*:userpool/*", "Condition": pool_tag}

    def dynamodb(*actions: str) -> dict[str, Any]:
        return {"Effect": "Allow", "Action": [f"dynamodb:{a}" for a in actions], "Resource": table}

    def kms(action: str) -> dict[str, Any]:
        return {"Effect": "Allow", "Action": [f"kms:{action}"], "Resource": "arn:aws:kms:*:*:key/*",
                "Condition": key_alias}

    return {
        "logs": {"Effect": "Allow", "Action": ["logs:CreateLogGroup"],
                 "Resource": f"arn:aws:logs:*:*:log-group:/aws/lambda/sesame-{stage}-*"},
        "log_streams": {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                        "Resource": f"arn:aws:logs:*:*:log-group:/aws/lambda/sesame-{stage}-*:log-stream:*"},
        "secrets": {"Effect": "Allow", "Action": ["ssm:GetParameter"],
                    "Resource": f"arn:aws:ssm:*:*:parameter/sesame/{stage}/*"},
        "api_cognito": cognito("AdminGetUser", "AdminCreateUser", "AdminSetUserPassword", "AdminInitiateAuth",
                               "AdminRespondToAuthChallenge", "AdminUserGlobalSignOut",
                               "DescribeUserPoolClient"),
        "api_dynamodb": dynamodb("GetItem", "PutItem", "UpdateItem", "BatchGetItem", "ConditionCheckItem"),
        "api_kms": kms("Encrypt"),
        "api_ses": {"Effect": "Allow", "Action": ["ses:SendEmail"],
                    "Resource": f"arn:aws:ses:*:*:identity/{_sender_domain(stage)}"},
        "verify_cognito": cognito("AdminUpdateUserAttributes"),
        "verify_dynamodb": dynamodb("GetItem", "UpdateItem", "ConditionCheckItem"),
        "verify_kms": kms("Decrypt"),
        "cleanup_cognito": cognito("ListUsers", "AdminDeleteUser"),
    }


GRANTS = {
    "api_handler": ("logs", "log_streams", "secrets", "api_cognito", "api_dynamodb", "api_kms", "api_ses"),
    "define_auth_challenge": ("logs", "log_streams", "secrets"),
    "create_auth_challenge": ("logs", "log_streams", "secrets"),
    "verify_auth_challenge": ("logs", "log_streams", "secrets", "verify_cognito", "verify_dynamodb", "verify_kms"),
    "remove_unproven": ("logs", "log_streams", "cleanup_cognito"),
}


def policy(stage: str, function: str) -> dict[str, Any]:
    statements = _statements(stage)
    return {"Version": "2012-10-17",
            "Statement": [{"Sid": name.replace("_", "").title(), **statements[name]} for name in GRANTS[function]]}


def path(stage: str, function: str) -> Path:
    return ROOT / ".chalice" / f"policy-{stage}-{function}.json"


def write_all() -> None:
    for stage in STAGES:
        for function in FUNCTIONS:
            path(stage, function).write_text(json.dumps(policy(stage, function), indent=2) + "\n")


if __name__ == "__main__":
    write_all()
