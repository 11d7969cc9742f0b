"""Create a stage's resources in the embedded AWS, from the same declarative
settings the deploy template reads (``infra/*.json``, ``infra/policies.py``
and the stage block of ``.chalice/config.json``). Secrets are random on
every run.

Each function gets a role holding exactly its generated policy, and the code
acting as that function calls AWS with that role's credentials; everything
else (tests, the mailbox, this bootstrap) uses an operator with full rights.
"""

from __future__ import annotations

import json
import secrets

from moto.ses.models import ses_backends

from chalicelib import aws
from devstack import custom_auth, ses
from infra import policies
from infra.settings import SECRET_NAMES, TRIGGERS, infra
from infra.template import sender_domain

ACCOUNT_ID = "123456789012"  # moto's default account


def trigger_arn(region: str, stage: str, module: str) -> str:
    return f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:sesame-{stage}-{module}"


def create_user_pool(region: str, stage: str, env: dict[str, str]) -> dict[str, str]:
    settings = infra("cognito")
    idp = aws.client("cognito-idp")
    lambdas = {event: trigger_arn(region, stage, module) for event, module in TRIGGERS.items()}
    pool = idp.create_user_pool(PoolName=f"sesame-{stage}", LambdaConfig=lambdas,
                                UserPoolTags={"sesame-stage": stage}, **settings["UserPool"])["UserPool"]
    client = idp.create_user_pool_client(
        UserPoolId=pool["Id"], ClientName=f"sesame-{stage}",
        AccessTokenValidity=int(env["SESAME_ACCESS_TOKEN_MINUTES"]),
        IdTokenValidity=int(env["SESAME_ID_TOKEN_MINUTES"]),
        RefreshTokenValidity=int(env["SESAME_REFRESH_TOKEN_DAYS"]),
        **settings["UserPoolClient"],
    )["UserPoolClient"]
    return {"SESAME_USER_POOL_ID": pool["Id"], "SESAME_CLIENT_ID": client["ClientId"]}


def register_triggers(region: str, stage: str) -> None:
    """Point the pool's trigger ARNs at our handlers, run in-process."""
    from triggers import create_auth_challenge, define_auth_challenge, verify_auth_challenge

    modules = {"define_auth_challenge": define_auth_challenge,
               "create_auth_challenge": create_auth_challenge,
               "verify_auth_challenge": verify_auth_challenge}
    for module in TRIGGERS.values():
        custom_auth.register_lambda(trigger_arn(region, stage, module), modules[module].handler)


def create_table(stage: str) -> str:
    spec = infra("table")
    name = f"sesame-{stage}"
    ddb = aws.client("dynamodb")
    ddb.create_table(TableName=name, AttributeDefinitions=spec["AttributeDefinitions"],
                     KeySchema=spec["KeySchema"], GlobalSecondaryIndexes=spec["GlobalSecondaryIndexes"],
                     BillingMode=spec["BillingMode"])
    ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={
        "AttributeName": spec["TimeToLiveAttribute"], "Enabled": True})
    return name


def create_secrets(stage: str) -> None:
    ssm = aws.client("ssm")
    for name in SECRET_NAMES:
        ssm.put_parameter(Name=f"/sesame/{stage}/{name}", Type="SecureString",
                          Value=secrets.token_urlsafe(32), Overwrite=True)


_LAMBDA_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
_OPERATOR_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "*", "Resource": "*"}]})


def _credentials(found: dict[str, str]) -> dict[str, str]:
    names = {"AccessKeyId": "aws_access_key_id", "SecretAccessKey": "aws_secret_access_key",
             "SessionToken": "aws_session_token"}
    return {names[k]: v for k, v in found.items() if k in names}


def create_roles(stage: str, policy: dict[str, dict[str, object]] | None = None) -> None:
    """One role per function with its generated policy (``policy`` overrides
    some, for tests), and its credentials handed to ``chalicelib.aws``."""
    iam, sts = aws.client("iam"), aws.client("sts")
    for function in policies.FUNCTIONS:
        name = f"sesame-{stage}-{function}"
        document = (policy or {}).get(function) or policies.policy(stage, function)
        role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=_LAMBDA_TRUST,
                               MaxSessionDuration=43200)["Role"]
        iam.put_role_policy(RoleName=name, PolicyName=name, PolicyDocument=json.dumps(document))
        assumed = sts.assume_role(RoleArn=role["Arn"], RoleSessionName=function, DurationSeconds=43200)
        aws.use_role(function, _credentials(assumed["Credentials"]))


def create_operator() -> dict[str, str]:
    """Environment credentials of an IAM user allowed everything: the caller of last resort."""
    iam = aws.client("iam")
    iam.create_user(UserName="devstack-operator")
    iam.put_user_policy(UserName="devstack-operator", PolicyName="all", PolicyDocument=_OPERATOR_POLICY)
    key = iam.create_access_key(UserName="devstack-operator")["AccessKey"]
    return {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}


def publish_ids(stage: str, ids: dict[str, str]) -> None:
    """The pool and client ids where a deployed function reads them (infra/template.py)."""
    ssm = aws.client("ssm")
    for name, key in (("user-pool-id", "SESAME_USER_POOL_ID"), ("client-id", "SESAME_CLIENT_ID")):
        ssm.put_parameter(Name=f"/sesame/{stage}/{name}", Type="String", Value=ids[key], Overwrite=True)


def create_resources(region: str, stage: str, env: dict[str, str]) -> dict[str, str]:
    """The stage's resources, as its resource stack declares them; returns their ids."""
    out = create_user_pool(region, stage, env)
    publish_ids(stage, out)
    out["SESAME_TABLE"] = create_table(stage)
    kms = aws.client("kms")
    key = kms.create_key(Description=f"sesame-{stage} link tokens")
    kms.create_alias(AliasName=f"alias/sesame-{stage}", TargetKeyId=key["KeyMetadata"]["KeyId"])
    out["SESAME_KMS_KEY_ID"] = key["KeyMetadata"]["Arn"]
    create_secrets(stage)
    aws.client("events").create_event_bus(Name=f"sesame-{stage}")
    # A domain identity and the configuration set, as the resource stack's SenderIdentity and EmailSet.
    sesv2 = aws.client("sesv2")
    sesv2.create_email_identity(EmailIdentity=sender_domain(env))
    sesv2.create_configuration_set(ConfigurationSetName=env["SESAME_SES_CONFIGURATION_SET"],
                                   SuppressionOptions={"SuppressedReasons": ["BOUNCE", "COMPLAINT"]})
    return out


def bootstrap(region: str, stage: str, env: dict[str, str],
              roles: dict[str, dict[str, str]] | None = None) -> dict[str, str]:
    """Everything for the local stack: the resources, then the functions'
    code and roles in-process; returns the resource settings to add to ``env``.
    ``roles``: the functions' credentials from a bootstrap whose roles were kept."""
    out = create_resources(region, stage, env)
    # The local stage's sender counts as verified (on AWS: once its DKIM records are published).
    ses.verify(ses_backends[ACCOUNT_ID][region], sender_domain(env))
    register_triggers(region, stage)
    if roles is None:
        create_roles(stage)
    else:
        for function, credentials in roles.items():
            aws.use_role(function, credentials)
    return out
