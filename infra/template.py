"""The resource stack of one stage: everything ``chalice deploy`` cannot create.

Chalice deploys the code (functions, roles, the REST API and its stage, the
schedule). This CloudFormation stack, ``sesame-<stage>-resources``, holds the
rest: the user pool and app client wired to Chalice's predictably named
trigger functions, the permissions that let Cognito invoke them, the table,
the link key, the SES identity, alarms, dashboard and WAF, and the two SSM
parameters that hand the pool and client ids to the functions.

Built from the same declarative settings the local bootstrap reads
(``infra/cognito.json``, ``infra/table.json``, ``.chalice/config.json``) plus
the deploy-only ``infra/stages.json``. ``python -m infra.template <stage>
<out.json>`` writes it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from infra import monitoring
from infra.settings import SECRET_NAMES, TRIGGERS, chalice_config, infra, stage_environment

ROOT = Path(__file__).resolve().parent.parent
# Logical names of the functions app.py declares; the API handler is Chalice's "api_handler".
FUNCTIONS = {"define_auth_challenge": "DefineAuthChallenge", "create_auth_challenge": "CreateAuthChallenge",
             "verify_auth_challenge": "VerifyAuthChallenge", "remove_unproven": "RemoveUnproven",
             "api_handler": "APIHandler"}


def deploy_settings(stage: str) -> dict[str, Any]:
    return dict(json.loads((ROOT / "infra" / "stages.json").read_text())[stage])


def function_name(stage: str, function: str) -> str:
    """The name ``chalice deploy`` gives a function: ``<app>-<stage>[-<name>]``."""
    return f"sesame-{stage}" if function == "api_handler" else f"sesame-{stage}-{function}"


def api_stage(stage: str) -> str:
    """The REST API's stage name (``api_gateway_stage`` in .chalice/config.json)."""
    config = chalice_config()
    return str(config["stages"][stage].get("api_gateway_stage", config.get("api_gateway_stage", "api")))


def _function_arn(stage: str, module: str) -> dict[str, str]:
    return {"Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:"
                       + function_name(stage, module)}


def cognito(stage: str, env: dict[str, str]) -> dict[str, Any]:
    settings = infra("cognito")
    keep = {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"} if stage == "prod" else {}
    resources: dict[str, Any] = {
        "UserPool": {"Type": "AWS::Cognito::UserPool", **keep, "Properties": {
            **settings["UserPool"], "UserPoolName": f"sesame-{stage}",
            "LambdaConfig": {event: _function_arn(stage, module) for event, module in TRIGGERS.items()},
            "DeletionProtection": "ACTIVE" if stage == "prod" else "INACTIVE",
            "UserPoolTags": {"sesame-stage": stage}}},
        "UserPoolClient": {"Type": "AWS::Cognito::UserPoolClient", "Properties": {
            **settings["UserPoolClient"], "UserPoolId": {"Ref": "UserPool"}, "ClientName": f"sesame-{stage}",
            "AccessTokenValidity": int(env["SESAME_ACCESS_TOKEN_MINUTES"]),
            "IdTokenValidity": int(env["SESAME_ID_TOKEN_MINUTES"]),
            "RefreshTokenValidity": int(env["SESAME_REFRESH_TOKEN_DAYS"])}},
        # What the functions read at cold start (chalicelib.config): ids, not secrets.
        "UserPoolIdParameter": {"Type": "AWS::SSM::Parameter", "Properties": {
            "Name": f"/sesame/{stage}/user-pool-id", "Type": "String", "Value": {"Ref": "UserPool"}}},
        "ClientIdParameter": {"Type": "AWS::SSM::Parameter", "Properties": {
            "Name": f"/sesame/{stage}/client-id", "Type": "String", "Value": {"Ref": "UserPoolClient"}}},
    }
    for module in TRIGGERS.values():
        resources[f"{FUNCTIONS[module]}CognitoPermission"] = {"Type": "AWS::Lambda::Permission", "Properties": {
            "Action": "lambda:InvokeFunction", "FunctionName": _function_arn(stage, module),
            "Principal": "cognito-idp.amazonaws.com", "SourceArn": {"Fn::GetAtt": ["UserPool", "Arn"]}}}
    return resources


def storage(stage: str) -> dict[str, Any]:
    spec = infra("table")
    # RetainExceptOnCreate: kept on delete, but a failed first create leaves no
    # orphan whose fixed name would block the next attempt.
    keep = {"DeletionPolicy": "RetainExceptOnCreate", "UpdateReplacePolicy": "Retain"}
    return {
        "Table": {"Type": "AWS::DynamoDB::Table", **keep, "Properties": {
            "TableName": f"sesame-{stage}", "BillingMode": spec["BillingMode"],
            "AttributeDefinitions": spec["AttributeDefinitions"], "KeySchema": spec["KeySchema"],
            "GlobalSecondaryIndexes": spec["GlobalSecondaryIndexes"],
            "TimeToLiveSpecification": {"AttributeName": spec["TimeToLiveAttribute"], "Enabled": True},
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "SSESpecification": {"SSEEnabled": True}}},
        "LinkKey": {"Type": "AWS::KMS::Key", **keep, "Properties": {
            "Description": f"sesame-{stage} magic-link tokens", "EnableKeyRotation": True,
            "KeyPolicy": {"Version": "2012-10-17", "Statement": [{
                "Sid": "AccountAdministersTheKey", "Effect": "Allow",
                "Principal": {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}},
                "Action": "kms:*", "Resource": "*"}]}}},
        "LinkKeyAlias": {"Type": "AWS::KMS::Alias", "Properties": {
            "AliasName": f"alias/sesame-{stage}", "TargetKeyId": {"Ref": "LinkKey"}}},
    }


def sender_domain(env: dict[str, str]) -> str:
    return env["SESAME_SENDER"].rsplit("@", 1)[1].rstrip(">")


def configuration_set(env: dict[str, str]) -> dict[str, Any]:
    """The configuration set every send names: bounces and complaints go to the
    account-level suppression list, and every event type to CloudWatch metrics
    with the set's name as a dimension (the alarms and dashboard read those)."""
    name = env["SESAME_SES_CONFIGURATION_SET"]
    return {
        "EmailSet": {"Type": "AWS::SES::ConfigurationSet", "Properties": {
            "Name": name, "SuppressionOptions": {"SuppressedReasons": ["BOUNCE", "COMPLAINT"]},
            "ReputationOptions": {"ReputationMetricsEnabled": True}, "SendingOptions": {"SendingEnabled": True}}},
        "EmailSetMetrics": {"Type": "AWS::SES::ConfigurationSetEventDestination", "Properties": {
            "ConfigurationSetName": {"Ref": "EmailSet"}, "EventDestination": {
                "Name": "metrics", "Enabled": True,
                "MatchingEventTypes": ["send", "reject", "bounce", "complaint", "delivery", "deliveryDelay",
                                       "renderingFailure"],
                "CloudWatchDestination": {"DimensionConfigurations": [{
                    "DimensionName": "ses:configuration-set", "DimensionValueSource": "messageTag",
                    "DefaultDimensionValue": name}]}}}},
    }


def email(stage: str, env: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The configuration set, the SES domain identity (unless it exists already)
    and the identity's DKIM records as outputs."""
    if not deploy_settings(stage).get("create_sender_identity", True):
        return configuration_set(env), {}
    outputs = {f"DkimRecord{i}": {"Description": "Publish as a CNAME: name, then value", "Value": {"Fn::Join": [
        " CNAME ", [{"Fn::GetAtt": ["SenderIdentity", f"DkimDNSTokenName{i}"]},
                    {"Fn::GetAtt": ["SenderIdentity", f"DkimDNSTokenValue{i}"]}]]}} for i in (1, 2, 3)}
    return {**configuration_set(env), "SenderIdentity": {
        "Type": "AWS::SES::EmailIdentity", "Properties": {
            "EmailIdentity": sender_domain(env), "ConfigurationSetAttributes": {"ConfigurationSetName": {
                "Ref": "EmailSet"}}}}}, outputs


def event_bus(stage: str) -> dict[str, Any]:
    """The stage's bus for auth events (chalicelib/events.py names it ``sesame-<stage>``)."""
    return {"EventBus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": f"sesame-{stage}"}}}


def waf(stage: str) -> dict[str, Any]:
    limit = deploy_settings(stage)["waf_rate_limit"]
    if not limit:
        return {}
    rule = {"Name": "rate-per-ip", "Priority": 0, "Action": {"Block": {}},
            "Statement": {"RateBasedStatement": {"Limit": limit, "AggregateKeyType": "IP"}},
            "VisibilityConfig": {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True,
                                 "MetricName": f"sesame-{stage}-rate-per-ip"}}
    return {
        "WebAcl": {"Type": "AWS::WAFv2::WebACL", "Properties": {
            "Scope": "REGIONAL", "DefaultAction": {"Allow": {}}, "Rules": [rule],
            "VisibilityConfig": {"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True,
                                 "MetricName": f"sesame-{stage}-waf"}}},
        "WebAclAssociation": {"Type": "AWS::WAFv2::WebACLAssociation", "Properties": {
            "WebACLArn": {"Fn::GetAtt": ["WebAcl", "Arn"]}, "ResourceArn": {
                "Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}::/restapis/${RestApiId}/stages/"
                           + api_stage(stage)}}},
    }


def outputs(stage: str) -> dict[str, Any]:
    names = {f"SecretParameter{i}": {"Description": "Set with the secrets step (docs/deploying.md)",
                                     "Value": f"/sesame/{stage}/{name}"} for i, name in enumerate(SECRET_NAMES)}
    return {**names, "UserPoolId": {"Value": {"Ref": "UserPool"}},
            "UserPoolClientId": {"Value": {"Ref": "UserPoolClient"}}, "TableName": {"Value": {"Ref": "Table"}}}


def build(stage: str) -> dict[str, Any]:
    env = stage_environment(stage)
    ses, dkim = email(stage, env)
    resources: dict[str, Any] = {}
    names = {FUNCTIONS[f]: function_name(stage, f) for f in FUNCTIONS}
    for part in (cognito(stage, env), storage(stage), ses, event_bus(stage), waf(stage),
                 monitoring.resources(stage, api_stage(stage), deploy_settings(stage), names)):
        resources.update(part)
    template: dict[str, Any] = {"AWSTemplateFormatVersion": "2010-09-09",
                                "Description": f"Sesame {stage}: the resources chalice deploy does not create",
                                "Resources": resources, "Outputs": {**outputs(stage), **dkim}}
    if "WebAcl" in resources:
        template["Parameters"] = {"RestApiId": {"Type": "String", "AllowedPattern": "[a-z0-9]{10}",
                                                "Description": "The REST API chalice deploy created"}}
    return template


if __name__ == "__main__":
    Path(sys.argv[2]).write_text(json.dumps(build(sys.argv[1]), indent=2) + "\n")
