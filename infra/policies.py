"""Least-privilege IAM policies, one per function per stage.

Written to ``.chalice/policy-<stage>-<function>.json`` (``autogen_policy`` is
off); ``python -m infra.policies`` regenerates them and a test checks the
committed files match. Resources are scoped by the stage's names: table
``sesame-<stage>``, KMS alias ``alias/sesame-<stage>`` and the link tokens'
encryption context, parameters under ``/sesame/<stage>/``, the user pool by
its ``sesame-stage`` tag (its id is random), log groups of the stage's
functions (``sesame-<stage>`` is the API's, ``sesame-<stage>-*`` the others').
No ``*`` action, and any partition (``arn:*:``): the files are static JSON.
Only the API may KMS-encrypt. The API opens every link it mails before Cognito
sees one (only a right answer reaches Cognito); Verify opens sign-in links only
(the encryption context says which). The clean-up removes leftovers through the
operator's delete path, so it holds what that path needs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from chalicelib.sessions.notme import PURPOSE as NOT_ME
from chalicelib.signin.linktoken import ADDRESS_CHANGE, STEP_UP
from chalicelib.signin.linktoken import PURPOSE as SIGN_IN
from infra.settings import stage_environment

ROOT = Path(__file__).resolve().parent.parent
STAGES = ("local", "dev", "prod")
FUNCTIONS = ("api_handler", "define_auth_challenge", "create_auth_challenge", "verify_auth_challenge",
             "remove_unproven")


def _sender_domain(stage: str) -> str:
    return _sender_address(stage).rsplit("@", 1)[1]


def _sender_address(stage: str) -> str:
    return stage_environment(stage)["SESAME_SENDER"].rsplit("<", 1)[-1].rstrip(">")


def configuration_set(stage: str) -> str:
    return stage_environment(stage)["SESAME_SES_CONFIGURATION_SET"]


def _statements(stage: str) -> dict[str, dict[str, Any]]:
    table = f"arn:*:dynamodb:*:*:table/sesame-{stage}"
    pool_tag = {"StringEquals": {"aws:ResourceTag/sesame-stage": stage}}
    # The key by its alias, and only for tokens of this stage and purpose (linktoken.py's context).
    def key_use(purposes: list[str]) -> dict[str, Any]:
        return {"ForAnyValue:StringEquals": {"kms:ResourceAliases": f"alias/sesame-{stage}"},
                "StringEquals": {"kms:EncryptionContext:purpose": purposes, "kms:EncryptionContext:stage": stage}}
    groups = [f"arn:*:logs:*:*:log-group:/aws/lambda/sesame-{stage}",
              f"arn:*:logs:*:*:log-group:/aws/lambda/sesame-{stage}-*"]

    def cognito(*actions: str) -> dict[str, Any]:
        return {"Effect": "Allow", "Action": [f"cognito-idp:{a}" for a in actions],
                "Resource": "arn:*:cognito-idp:*:*:userpool/*", "Condition": pool_tag}

    def dynamodb(*actions: str) -> dict[str, Any]:
        return {"Effect": "Allow", "Action": [f"dynamodb:{a}" for a in actions], "Resource": table}

    def index(*actions: str) -> dict[str, Any]:
        return {"Effect": "Allow", "Action": [f"dynamodb:{a}" for a in actions], "Resource": f"{table}/index/by-user"}

    def kms(action: str, *purposes: str) -> dict[str, Any]:
        return {"Effect": "Allow", "Action": [f"kms:{action}"], "Resource": "arn:*:kms:*:*:key/*",
                "Condition": key_use(list(purposes))}

    def parameters(*names: str) -> dict[str, Any]:
        return {"Effect": "Allow", "Action": ["ssm:GetParameter"],
                "Resource": [f"arn:*:ssm:*:*:parameter/sesame/{stage}/{name}" for name in names]}

    return {
        "logs": {"Effect": "Allow", "Action": ["logs:CreateLogGroup"], "Resource": groups},
        "log_streams": {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                        "Resource": [f"{group}:log-stream:*" for group in groups]},
        "secrets": parameters("*"),
        "api_cognito": cognito("AdminGetUser", "AdminCreateUser", "AdminSetUserPassword", "AdminInitiateAuth",
                               "AdminRespondToAuthChallenge", "AdminUserGlobalSignOut",
                               "DescribeUserPoolClient", "AdminUpdateUserAttributes", "AdminDeleteUser"),
        "api_dynamodb": dynamodb("GetItem", "PutItem", "UpdateItem", "DeleteItem", "BatchGetItem",
                                 "ConditionCheckItem"),
        "api_sessions": index("Query"),
        "api_kms": kms("Encrypt", SIGN_IN, NOT_ME, STEP_UP, ADDRESS_CHANGE),
        "api_kms_decrypt": kms("Decrypt", SIGN_IN, NOT_ME, STEP_UP, ADDRESS_CHANGE),
        "api_events": {"Effect": "Allow", "Action": ["events:PutEvents"],
                       "Resource": f"arn:*:events:*:*:event-bus/sesame-{stage}"},
        # SendEmail is authorized on the identity and on the configuration set it names.
        "api_ses": {"Effect": "Allow", "Action": ["ses:SendEmail"],
                    "Resource": [f"arn:*:ses:*:*:identity/{_sender_domain(stage)}",
                                 f"arn:*:ses:*:*:configuration-set/{configuration_set(stage)}"]},
        # In the SES sandbox, SES also authorizes the send on each recipient's identity (a verified
        # address or domain): any identity, but only for mail from the stage's own sender.
        "api_ses_recipients": {"Effect": "Allow", "Action": ["ses:SendEmail"], "Resource": "arn:*:ses:*:*:identity/*",
                               "Condition": {"StringEquals": {"ses:FromAddress": _sender_address(stage)}}},
        # The suppression list has no resource ARN.
        "api_ses_suppression": {"Effect": "Allow", "Action": ["ses:GetSuppressedDestination"], "Resource": "*"},
        "verify_cognito": cognito("AdminUpdateUserAttributes"),
        "verify_dynamodb": dynamodb("GetItem", "UpdateItem", "ConditionCheckItem"),
        "verify_kms": kms("Decrypt", SIGN_IN),
        "cleanup_cognito": cognito("ListUsers", "AdminDeleteUser", "AdminUserGlobalSignOut"),
        "cleanup_dynamodb": dynamodb("GetItem", "PutItem", "DeleteItem", "BatchGetItem"),
    }


GRANTS = {
    "api_handler": ("logs", "log_streams", "secrets", "api_cognito", "api_dynamodb", "api_sessions", "api_kms",
                    "api_kms_decrypt", "api_events", "api_ses", "api_ses_recipients", "api_ses_suppression"),
    "define_auth_challenge": ("logs", "log_streams"),
    "create_auth_challenge": ("logs", "log_streams"),
    "verify_auth_challenge": ("logs", "log_streams", "secrets", "verify_cognito", "verify_dynamodb", "verify_kms"),
    "remove_unproven": ("logs", "log_streams", "secrets", "cleanup_cognito", "cleanup_dynamodb",
                        "api_sessions", "api_events"),
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
