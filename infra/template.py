"""The supporting resources of one stage, as a CloudFormation template that
``chalice package --merge-template`` merges into Chalice's own.

Built from the same declarative settings the local bootstrap reads
(``infra/cognito.json``, ``infra/table.json``, the stage block of
``.chalice/config.json``) plus the deploy-only ``infra/stages.json``.
``python -m infra.template <stage> <out.json>`` writes it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from infra import monitoring
from infra.settings import SECRET_NAMES, TRIGGERS, infra, stage_environment

ROOT = Path(__file__).resolve().parent.parent
# Chalice's logical ids for the functions app.py declares.
FUNCTION_IDS = {"define_auth_challenge": "DefineAuthChallenge", "create_auth_challenge": "CreateAuthChallenge",
                "verify_auth_challenge": "VerifyAuthChallenge", "remove_unproven": "RemoveUnproven",
                "api_handler": "APIHandler"}


def deploy_settings(stage: str) -> dict[str, Any]:
    return dict(json.loads((ROOT / "infra" / "stages.json").read_text())[stage])


def cognito(stage: str, env: dict[str, str]) -> dict[str, Any]:
    settings = infra("cognito")
    lambdas = {event: {"Fn::GetAtt": [FUNCTION_IDS[module], "Arn"]} for event, module in TRIGGERS.items()}
    resources: dict[str, Any] = {
        "UserPool": {"Type": "AWS::Cognito::UserPool", "Properties": {
            **settings["UserPool"], "UserPoolName": f"sesame-{stage}", "LambdaConfig": lambdas,
            "DeletionProtection": "ACTIVE" if stage == "prod" else "INACTIVE",
            "UserPoolTags": {"sesame-stage": stage}}},
        "UserPoolClient": {"Type": "AWS::Cognito::UserPoolClient", "Properties": {
            **settings["UserPoolClient"], "UserPoolId": {"Ref": "UserPool"}, "ClientName": f"sesame-{stage}",
            "AccessTokenValidity": int(env["SESAME_ACCESS_TOKEN_MINUTES"]),
            "IdTokenValidity": int(env["SESAME_ID_TOKEN_MINUTES"]),
            "RefreshTokenValidity": int(env["SESAME_REFRESH_TOKEN_DAYS"])}},
    }
    for module in TRIGGERS.values():
        resources[f"{FUNCTION_IDS[module]}CognitoPermission"] = {"Type": "AWS::Lambda::Permission", "Properties": {
            "Action": "lambda:InvokeFunction", "FunctionName": {"Fn::GetAtt": [FUNCTION_IDS[module], "Arn"]},
            "Principal": "cognito-idp.amazonaws.com", "SourceArn": {"Fn::GetAtt": ["UserPool", "Arn"]}}}
    return resources


def storage(stage: str) -> dict[str, Any]:
    spec = infra("table")
    return {
        "Table": {"Type": "AWS::DynamoDB::Table", "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
                  "Properties": {
                      "TableName": f"sesame-{stage}", "BillingMode": spec["BillingMode"],
                      "AttributeDefinitions": spec["AttributeDefinitions"], "KeySchema": spec["KeySchema"],
                      "TimeToLiveSpecification": {"AttributeName": spec["TimeToLiveAttribute"], "Enabled": True},
                      "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
                      "SSESpecification": {"SSEEnabled": True}}},
        "LinkKey": {"Type": "AWS::KMS::Key", "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
                    "Properties": {
                        "Description": f"sesame-{stage} magic-link tokens", "EnableKeyRotation": True,
                        "KeyPolicy": {"Version": "2012-10-17", "Statement": [{
                            "Sid": "AccountAdministersTheKey", "Effect": "Allow",
                            "Principal": {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}},
                            "Action": "kms:*", "Resource": "*"}]}}},
        "LinkKeyAlias": {"Type": "AWS::KMS::Alias", "Properties": {
            "AliasName": f"alias/sesame-{stage}", "TargetKeyId": {"Ref": "LinkKey"}}},
    }


def email(env: dict[str, str]) -> dict[str, Any]:
    domain = env["SESAME_SENDER"].rsplit("@", 1)[1].rstrip(">")
    return {"SenderIdentity": {"Type": "AWS::SES::EmailIdentity", "Properties": {"EmailIdentity": domain}}}


def _path(route: str) -> str:
    return route.replace("/", "~1")  # API Gateway's escaping of a resource path


def api(stage: str) -> dict[str, Any]:
    """API Gateway throttling per route and method, and the detailed metrics the alarms use."""
    throttling = deploy_settings(stage)["throttling"]
    rate, burst = throttling["default"]
    settings = [{"ResourcePath": "/*", "HttpMethod": "*", "MetricsEnabled": True,
                 "ThrottlingRateLimit": rate, "ThrottlingBurstLimit": burst}]
    for route, (rate, burst) in throttling.items():
        if route != "default":
            method, path = route.split(" ", 1)
            settings.append({"ResourcePath": _path(path), "HttpMethod": method, "MetricsEnabled": True,
                             "ThrottlingRateLimit": rate, "ThrottlingBurstLimit": burst})
    return {"RestAPI": {"Properties": {"MethodSettings": settings}}}


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
        "WebAclAssociation": {"Type": "AWS::WAFv2::WebACLAssociation", "DependsOn": "RestAPIapiStage",
                              "Properties": {"WebACLArn": {"Fn::GetAtt": ["WebAcl", "Arn"]}, "ResourceArn": {
                                  "Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}::/restapis/"
                                             "${RestAPI}/stages/api"}}},
    }


def functions(env: dict[str, str]) -> dict[str, Any]:
    """Resource ids into each function's environment; triggers skip app.py at cold start."""
    shared = {"SESAME_TABLE": {"Ref": "Table"}, "SESAME_KMS_KEY_ID": {"Fn::GetAtt": ["LinkKey", "Arn"]},
              "POWERTOOLS_METRICS_NAMESPACE": "Sesame"}
    pool = {"SESAME_USER_POOL_ID": {"Ref": "UserPool"}, "SESAME_CLIENT_ID": {"Ref": "UserPoolClient"}}
    out: dict[str, Any] = {}
    for module, logical in FUNCTION_IDS.items():
        variables = {**shared, **(pool if module in ("api_handler", "remove_unproven") else {})}
        properties: dict[str, Any] = {"Environment": {"Variables": variables}}
        if module in TRIGGERS.values():
            properties["Handler"] = f"triggers.{module}.handler"
        out[logical] = {"Properties": properties}
    return out


def outputs(stage: str) -> dict[str, Any]:
    names = {f"SecretParameter{i}": {"Description": "Set with the secrets step (README: Deploying)",
                                     "Value": f"/sesame/{stage}/{name}"} for i, name in enumerate(SECRET_NAMES)}
    return {**names, "UserPoolId": {"Value": {"Ref": "UserPool"}},
            "UserPoolClientId": {"Value": {"Ref": "UserPoolClient"}}, "TableName": {"Value": {"Ref": "Table"}}}


def build(stage: str) -> dict[str, Any]:
    env = stage_environment(stage)
    resources: dict[str, Any] = {}
    for part in (cognito(stage, env), storage(stage), email(env), api(stage), waf(stage), functions(env),
                 monitoring.resources(stage, deploy_settings(stage), FUNCTION_IDS)):
        resources.update(part)
    return {"Resources": resources, "Outputs": outputs(stage)}


if __name__ == "__main__":
    Path(sys.argv[2]).write_text(json.dumps(build(sys.argv[1]), indent=2) + "\n")
