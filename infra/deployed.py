"""Checks of a deployed stage, read back from AWS (or the embedded AWS): what
``make rehearse`` asserts after ``chalice deploy``, and ``make check`` reads on a live stage
(``infra/doctor.py``). Each returns the
mismatches it found, as sentences; none means the stage is as declared.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from botocore.exceptions import ClientError

from chalicelib import aws
from infra import apistage, policies
from infra.settings import (
    LAMBDA_RUNTIME,
    SECRET_NAMES,
    TRIGGERS,
    chalice_config,
    function_setting,
    stage_environment,
)
from infra.template import api_stage, deploy_settings, function_name, sender_domain


def _policy_of(role_arn: str) -> list[dict[str, Any]]:
    iam, name = aws.client("iam"), role_arn.rsplit("/", 1)[1]
    return [iam.get_role_policy(RoleName=name, PolicyName=p)["PolicyDocument"]
            for p in iam.list_role_policies(RoleName=name)["PolicyNames"]]


def check_functions(stage: str) -> list[str]:
    found = []
    env = stage_environment(stage)
    for function in policies.FUNCTIONS:
        name = function_name(stage, function)
        try:
            config = aws.client("lambda").get_function(FunctionName=name)["Configuration"]
        except aws.client("lambda").exceptions.ResourceNotFoundException:
            found.append(f"function {name} was not deployed")
            continue
        if _policy_of(config["Role"]) != [policies.policy(stage, function)]:
            found.append(f"{name}: its role's policy is not .chalice/policy-{stage}-{function}.json")
        if config["Runtime"] != LAMBDA_RUNTIME:
            found.append(f"{name}: runtime is {config['Runtime']}, expected {LAMBDA_RUNTIME}")
        for key, actual in (("lambda_memory_size", config["MemorySize"]), ("lambda_timeout", config["Timeout"])):
            if function_setting(stage, function, key) not in (None, actual):
                found.append(f"{name}: {key} is {actual}, expected {function_setting(stage, function, key)}")
        retention = function_setting(stage, function, "log_retention_in_days")
        groups = aws.client("logs").describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{name}")["logGroups"]
        kept = [g.get("retentionInDays") for g in groups if g["logGroupName"] == f"/aws/lambda/{name}"]
        if retention is not None and kept != [retention]:
            found.append(f"{name}: logs are kept {kept or 'forever'}, expected {retention} days")
        variables = config.get("Environment", {}).get("Variables", {})
        missing = sorted(k for k, v in env.items() if variables.get(k) != v)
        if missing:
            found.append(f"{name}: environment differs from the stage's in {missing}")
    return found


def check_ids(stage: str, ids: dict[str, str]) -> list[str]:
    """Every id a function is given names something that exists."""
    env, found = stage_environment(stage), []
    try:
        aws.client("dynamodb").describe_table(TableName=env["SESAME_TABLE"])
    except Exception:  # noqa: BLE001 - any failure is the mismatch
        found.append(f"SESAME_TABLE={env['SESAME_TABLE']} names no table")
    try:
        aws.client("kms").describe_key(KeyId=env["SESAME_KMS_KEY_ID"])
    except Exception:  # noqa: BLE001
        found.append(f"SESAME_KMS_KEY_ID={env['SESAME_KMS_KEY_ID']} names no key")
    try:
        aws.client("events").describe_event_bus(Name=f"sesame-{stage}")
    except Exception:  # noqa: BLE001
        found.append(f"the event bus sesame-{stage} does not exist")
    ssm = aws.client("ssm")
    for name in SECRET_NAMES:
        if not ssm.get_parameters(Names=[f"/sesame/{stage}/{name}"])["Parameters"]:
            found.append(f"secret /sesame/{stage}/{name} is missing")
    published = {p["Name"].rsplit("/", 1)[1]: p["Value"] for p in ssm.get_parameters(
        Names=[f"/sesame/{stage}/user-pool-id", f"/sesame/{stage}/client-id"])["Parameters"]}
    if published != {"user-pool-id": ids["SESAME_USER_POOL_ID"], "client-id": ids["SESAME_CLIENT_ID"]}:
        found.append(f"the SSM resource ids {published} are not the stage's pool and client")
    return found


def check_triggers(stage: str, pool_id: str) -> list[str]:
    """The pool's triggers are the deployed functions, and Cognito may invoke them."""
    pool = aws.client("cognito-idp").describe_user_pool(UserPoolId=pool_id)["UserPool"]
    found = []
    for event, module in TRIGGERS.items():
        arn = aws.client("lambda").get_function(FunctionName=function_name(stage, module))["Configuration"][
            "FunctionArn"]
        if pool.get("LambdaConfig", {}).get(event) != arn:
            found.append(f"the pool's {event} is not {arn}")
        try:
            statements = json.loads(aws.client("lambda").get_policy(FunctionName=arn)["Policy"])["Statement"]
        except Exception:  # noqa: BLE001 - no policy at all
            statements = []
        if not any(s.get("Principal", {}).get("Service") == "cognito-idp.amazonaws.com"
                   and s.get("Condition", {}).get("ArnLike", {}).get("AWS:SourceArn") == pool["Arn"]
                   for s in statements):
            found.append(f"Cognito may not invoke {function_name(stage, module)} for this pool")
    return found


def check_api(stage: str) -> list[str]:
    """Only the intended stage exists, with the declared throttling."""
    apigateway = aws.client("apigateway")
    rest_api_id = apistage.find_rest_api(apigateway, stage)
    stages = [s["stageName"] for s in apigateway.get_stages(restApiId=rest_api_id)["item"]]
    found = [] if stages == [api_stage(stage)] else [f"the API has stages {stages}, expected [{api_stage(stage)}]"]
    settings = apigateway.get_stage(restApiId=rest_api_id, stageName=api_stage(stage)).get("methodSettings", {})
    for route, (rate, burst) in deploy_settings(stage)["throttling"].items():
        actual = settings.get(apistage.setting_key(route), {})
        if (actual.get("throttlingRateLimit"), actual.get("throttlingBurstLimit")) != (float(rate), burst):
            found.append(f"throttling of {route} is {actual.get('throttlingRateLimit')}/"
                         f"{actual.get('throttlingBurstLimit')}, expected {rate}/{burst}")
    return found


def check_domain(stage: str) -> list[str]:
    """The stage answers at the host of its public URL: Chalice's ``api_gateway_custom_domain``
    exists with the configured certificate, and maps its root to the stage (links, cookies and
    the OAuth issuer all name that host)."""
    wanted = chalice_config()["stages"][stage].get("api_gateway_custom_domain")
    host = urlsplit(stage_environment(stage)["SESAME_PUBLIC_URL"]).hostname
    if not wanted:
        return [f"SESAME_PUBLIC_URL names {host}, but the stage has no api_gateway_custom_domain"]
    if wanted["domain_name"] != host:
        return [f"the custom domain is {wanted['domain_name']}, but SESAME_PUBLIC_URL names {host}"]
    apigateway = aws.client("apigateway")
    try:
        domain = apigateway.get_domain_name(domainName=host)
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "NotFoundException":
            return [f"the custom domain {host} was not created"]
        raise
    found = []
    if domain.get("regionalCertificateArn") != wanted["certificate_arn"]:
        found.append(f"the custom domain {host} does not use the configured certificate")
    rest_api_id = apistage.find_rest_api(apigateway, stage)
    mappings = [(m.get("basePath"), m.get("restApiId"), m.get("stage"))
                for m in apigateway.get_base_path_mappings(domainName=host).get("items", [])]
    if mappings != [("(none)", rest_api_id, api_stage(stage))]:
        found.append(f"{host} maps {mappings}, expected its root to the API's stage {api_stage(stage)}")
    return found


def check(stage: str, ids: dict[str, str]) -> list[str]:
    domain = check_domain(stage) if stage_environment(stage)["SESAME_PUBLIC_URL"].startswith("https://") else []
    return (check_functions(stage) + check_ids(stage, ids) + check_triggers(stage, ids["SESAME_USER_POOL_ID"])
            + check_api(stage) + check_email(stage) + domain)


def check_email(stage: str) -> list[str]:
    """The configuration set every send names must exist: without it SES refuses every email."""
    name = stage_environment(stage)["SESAME_SES_CONFIGURATION_SET"]
    try:
        aws.client("sesv2").get_configuration_set(ConfigurationSetName=name)
    except ClientError as exc:
        if exc.response["Error"]["Code"] in ("NotFoundException", "ConfigurationSetDoesNotExist"):
            return [f"SES configuration set {name} is missing: every email would be refused"]
        raise
    return []


def email_warnings(stage: str) -> list[str]:
    """What keeps email from people that no deploy fixes: the sender's DKIM
    records (DNS) and SES production access (a request to AWS). docs/operations.md: Emails and languages."""
    domain, sesv2 = sender_domain(stage_environment(stage)), aws.client("sesv2")
    found = []
    try:
        if not sesv2.get_email_identity(EmailIdentity=domain).get("VerifiedForSendingStatus"):
            found.append(f"the sender {domain} is not verified: publish the DkimRecord outputs as CNAMEs")
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "NotFoundException":
            raise
        found.append(f"there is no SES identity for the sender {domain}")
    if not sesv2.get_account().get("ProductionAccessEnabled"):
        found.append("the SES account is in the sandbox: only verified addresses receive email")
    return found

