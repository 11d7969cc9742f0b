"""devstack.iam: every function calls AWS with a role holding exactly its
generated policy, evaluated as AWS does. Doc references are in devstack/iam.py."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from chalicelib import aws
from chalicelib.config import settings
from chalicelib.signin import challenges
from devstack import bootstrap, iam
from devstack.browser import Browser
from infra import policies
from tests.conftest import code_and_token, inbox


def as_role(name: str, statements: list[dict[str, Any]]) -> None:
    """A role named ``name`` with these statements, its credentials used when acting as ``name``."""
    client, sts = aws.client("iam"), aws.client("sts")
    arn = client.create_role(RoleName=name, AssumeRolePolicyDocument=bootstrap._LAMBDA_TRUST)["Role"]["Arn"]
    client.put_role_policy(RoleName=name, PolicyName=name, PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": statements}))
    aws.use_role(name, bootstrap._credentials(sts.assume_role(RoleArn=arn, RoleSessionName=name)["Credentials"]))


def denied(call: Any) -> bool:
    try:
        call()
    except ClientError as exc:
        return exc.response["Error"]["Code"] == "AccessDeniedException"
    return False


def test_only_the_api_encrypts_and_verify_opens_sign_in_links_only(stack: Any) -> None:
    key = settings().kms_key_id
    context = {"purpose": "sesame-sign-in-link", "stage": "local"}
    not_me = {"purpose": "sesame-not-me", "stage": "local"}
    with aws.acting_as("api_handler"):
        blob = aws.client("kms").encrypt(KeyId=key, Plaintext=b"x", EncryptionContext=context)["CiphertextBlob"]
        other = aws.client("kms").encrypt(KeyId=key, Plaintext=b"x", EncryptionContext=not_me)["CiphertextBlob"]
        # The API opens a link before Cognito sees it (only a right answer reaches Cognito).
        assert aws.client("kms").decrypt(CiphertextBlob=blob, KeyId=key, EncryptionContext=context)["Plaintext"]
        assert denied(lambda: aws.client("kms").encrypt(KeyId=key, Plaintext=b"x", EncryptionContext={
            "purpose": "anything-else", "stage": "local"}))
    with aws.acting_as("verify_auth_challenge"):
        assert aws.client("kms").decrypt(CiphertextBlob=blob, KeyId=key, EncryptionContext=context)["Plaintext"]
        assert denied(lambda: aws.client("kms").decrypt(CiphertextBlob=other, KeyId=key, EncryptionContext=not_me))
        assert denied(lambda: aws.client("kms").encrypt(KeyId=key, Plaintext=b"x", EncryptionContext=context))
    with aws.acting_as("define_auth_challenge"):
        assert denied(lambda: aws.client("dynamodb").get_item(TableName=settings().table,
                                                              Key={"pk": {"S": "x"}}))


def test_a_missing_action_breaks_the_flow(browser: Browser, user: str) -> None:
    # Verify consumes the challenge in a TransactWriteItems that needs ConditionCheckItem.
    document = policies.policy("local", "verify_auth_challenge")
    for statement in document["Statement"]:
        if "dynamodb:ConditionCheckItem" in statement["Action"]:
            statement["Action"].remove("dynamodb:ConditionCheckItem")
    aws.client("iam").put_role_policy(RoleName="sesame-local-verify_auth_challenge",
                                      PolicyName="sesame-local-verify_auth_challenge",
                                      PolicyDocument=json.dumps(document))
    browser.post("/auth/sign-in", {"email": user})
    code, _ = code_and_token(inbox(user)[0])
    reply = browser.post("/auth/sign-in/code", {"code": code})
    assert (reply.status, reply.body["error"]["code"]) == (503, "unavailable")
    challenge_id = browser.jar["__Host-sesame-flow"]
    found = challenges.get(challenge_id)
    assert found is not None and not found.used  # nothing was consumed


def test_transact_write_items_is_authorized_by_the_actions_inside(stack: Any) -> None:
    # [DDBTX]
    table = settings().table
    arn = f"arn:aws:dynamodb:*:*:table/{table}"
    as_role("probe-put", [{"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": arn}])
    as_role("probe-transact", [{"Effect": "Allow", "Action": "dynamodb:TransactWriteItems", "Resource": arn}])
    items = [{"Put": {"TableName": table, "Item": {"pk": {"S": "probe"}}}}]
    with aws.acting_as("probe-put"):
        aws.client("dynamodb").transact_write_items(TransactItems=items)
        assert denied(lambda: aws.client("dynamodb").transact_write_items(TransactItems=[
            {"Delete": {"TableName": table, "Key": {"pk": {"S": "probe"}}}}]))
    with aws.acting_as("probe-transact"):
        assert denied(lambda: aws.client("dynamodb").transact_write_items(TransactItems=items))


def test_the_pool_tag_condition_is_evaluated(stack: Any) -> None:
    untagged = aws.client("cognito-idp").create_user_pool(PoolName="untagged")["UserPool"]["Id"]
    with aws.acting_as("api_handler"):
        idp = aws.client("cognito-idp")
        assert denied(lambda: idp.admin_get_user(UserPoolId=untagged, Username="ada@example.com"))
        with pytest.raises(ClientError) as caught:
            idp.admin_get_user(UserPoolId=settings().user_pool_id, Username="nobody@example.com")
        assert caught.value.response["Error"]["Code"] == "UserNotFoundException"  # allowed, then not found


def test_token_calls_need_no_iam(stack: Any) -> None:
    # [COGAUTH] RevokeToken is authorized by the token and the client, not by IAM.
    as_role("probe-nothing", [{"Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"}])
    secret = _client_secret()
    with aws.acting_as("probe-nothing"):
        aws.client("cognito-idp").revoke_token(Token="unknown", ClientId=settings().client_id, ClientSecret=secret)
        assert denied(lambda: aws.client("cognito-idp").admin_get_user(
            UserPoolId=settings().user_pool_id, Username="ada@example.com"))


def _client_secret() -> str:
    return str(aws.client("cognito-idp").describe_user_pool_client(
        UserPoolId=settings().user_pool_id, ClientId=settings().client_id)["UserPoolClient"]["ClientSecret"])


@pytest.mark.parametrize(("operator", "expected"), [
    ("StringEquals", True), ("ForAnyValue:StringEquals", True), ("StringLike", True),
    ("NumericEquals", False), ("ForAnyValue:NumericLessThan", False)])
def test_conditions_the_emulator_cannot_read_fail_closed(operator: str, expected: bool) -> None:
    policy = {"Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*",
                             "Condition": {operator: {"kms:EncryptionContext:stage": "local"}}}]}
    assert iam.allowed([policy], "kms:Decrypt", "arn:aws:kms:eu-west-1:1:key/k",
                       {"kms:EncryptionContext:stage": "local"}) is expected


def test_an_explicit_deny_wins() -> None:
    policy = {"Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"},
                            {"Effect": "Deny", "Action": "dynamodb:DeleteItem", "Resource": "*"}]}
    assert iam.allowed([policy], "dynamodb:GetItem", "arn:aws:dynamodb:eu-west-1:1:table/t", {})
    assert not iam.allowed([policy], "dynamodb:DeleteItem", "arn:aws:dynamodb:eu-west-1:1:table/t", {})
