"""Run as ``python -m tests.infra.doctor_rehearsal STAGE`` (its own process: moto's backends are
per process). Deploys STAGE as ``make rehearse`` does (its sign-ins included: the rehearsal's
own test reads them from here, one prod deploy for both), finishes what an operator does by hand
on AWS (DKIM published, production access, a certificate issued and set), then runs
``make check``'s checks on the healthy stage and once per planted defect, undoing each
defect before the next. Prints one JSON object: check name -> problems, per variant.

The rehearsal creates the stage's resources without CloudFormation (moto's CloudFormation
cannot create Cognito pools), so the resource stack's ✔ is read from a stand-in stack of
that name, and its ✗ from the same stack left as a failed create leaves it.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import json
import sys
from collections.abc import Callable
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from moto.backends import get_backend

from chalicelib import aws
from devstack import cloudformation, rehearse, ses
from devstack.bootstrap import ACCOUNT_ID
from infra import apistage, doctor, resources, settings
from infra.template import api_stage, build, sender_domain

REGION = rehearse.REGION
Defect = tuple[Callable[[], Any], Callable[[], Any]]  # (plant, undo)


def _certificate(host: str) -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=90))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
            .sign(key, hashes.SHA256()))
    return str(aws.client("acm").import_certificate(
        Certificate=cert.public_bytes(serialization.Encoding.PEM),
        PrivateKey=key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption()))["CertificateArn"])


def finish(stage: str) -> None:
    """What the operator does on AWS after the deploy, and the stand-in resource stack."""
    env = settings.stage_environment(stage)
    ses.verify(get_backend("ses")[ACCOUNT_ID][REGION], sender_domain(env))
    config = settings.chalice_config()
    wanted = config["stages"][stage]["api_gateway_custom_domain"]
    wanted["certificate_arn"] = _certificate(wanted["domain_name"])
    # On AWS: the ARN goes in .chalice/config.json and chalice deploy updates the domain (moto has no
    # UpdateDomainName, so the domain is given the certificate where moto keeps it).
    domain = get_backend("apigateway")[ACCOUNT_ID][REGION].domain_names[wanted["domain_name"]]
    domain.regional_certificate_arn = wanted["certificate_arn"]
    doctor.chalice_config = doctor.deployed.chalice_config = lambda: config  # type: ignore[attr-defined]
    aws.client("cloudformation").create_stack(StackName=resources.stack_name(stage), TemplateBody=json.dumps(
        {"Resources": {"Marker": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": f"{stage}-stand-in"}}}}))


def defects(stage: str, ids: dict[str, str]) -> dict[str, Defect]:
    env, pool, client = settings.stage_environment(stage), ids["SESAME_USER_POOL_ID"], ids["SESAME_CLIENT_ID"]
    idp, ssm, apigateway = aws.client("cognito-idp"), aws.client("ssm"), aws.client("apigateway")
    secret = f"/sesame/{stage}/code-pepper"
    pepper = ssm.get_parameter(Name=secret, WithDecryption=True)["Parameter"]["Value"]
    lambdas = idp.describe_user_pool(UserPoolId=pool)["UserPool"]["LambdaConfig"]
    function = f"sesame-{stage}"
    rest_api = apistage.find_rest_api(apigateway, stage)
    host = settings.chalice_config()["stages"][stage]["api_gateway_custom_domain"]["domain_name"]
    ses_backend = get_backend("ses")[ACCOUNT_ID][REGION]
    alarm = next(r["Properties"]["AlarmName"] for r in build(stage)["Resources"].values()
                 if r["Type"] == "AWS::CloudWatch::Alarm")

    def client_writes(extra: list[str]) -> None:
        found = idp.describe_user_pool_client(UserPoolId=pool, ClientId=client)["UserPoolClient"]
        keep = {k: found[k] for k in ("ExplicitAuthFlows", "PreventUserExistenceErrors", "EnableTokenRevocation",
                                      "AccessTokenValidity", "IdTokenValidity", "RefreshTokenValidity",
                                      "TokenValidityUnits", "AuthSessionValidity") if k in found}
        idp.update_user_pool_client(UserPoolId=pool, ClientId=client, **keep,
                                    WriteAttributes=["locale", "name", "zoneinfo", *extra])

    return {
        "resource stack": (lambda: cloudformation.leave(ACCOUNT_ID, REGION, resources.stack_name(stage),
                                                        "ROLLBACK_COMPLETE"),
                           lambda: cloudformation.leave(ACCOUNT_ID, REGION, resources.stack_name(stage),
                                                        "CREATE_COMPLETE")),
        "functions (chalice deploy)": (
            lambda: aws.client("lambda").update_function_configuration(FunctionName=function, Runtime="python3.11"),
            lambda: aws.client("lambda").update_function_configuration(FunctionName=function,
                                                                       Runtime=settings.LAMBDA_RUNTIME)),
        "ids and secrets in SSM": (lambda: ssm.delete_parameter(Name=secret),
                                   lambda: ssm.put_parameter(Name=secret, Value=pepper, Type="SecureString")),
        "user pool client": (lambda: client_writes(["email"]), lambda: client_writes([])),
        "triggers": (lambda: idp.update_user_pool(UserPoolId=pool, LambdaConfig={
            k: v for k, v in lambdas.items() if k != "VerifyAuthChallengeResponse"}),
                     lambda: idp.update_user_pool(UserPoolId=pool, LambdaConfig=lambdas)),
        "SES identity and DKIM": (
            lambda: ses_backend.email_identities[sender_domain(env)].dkim_attributes.update(Status="PENDING"),
            lambda: ses.verify(ses_backend, sender_domain(env))),
        "SES production access": (lambda: ses.sandbox(ses_backend, True), lambda: ses.sandbox(ses_backend, False)),
        "SES configuration set": (
            lambda: aws.client("sesv2").delete_configuration_set(
                ConfigurationSetName=env["SESAME_SES_CONFIGURATION_SET"]),
            lambda: aws.client("sesv2").create_configuration_set(
                ConfigurationSetName=env["SESAME_SES_CONFIGURATION_SET"])),
        "alarms and their topic": (lambda: aws.client("cloudwatch").delete_alarms(AlarmNames=[alarm]),
                                   lambda: rehearse._alarms(build(stage)["Resources"])),
        "API stage throttles": (lambda: apigateway.update_stage(restApiId=rest_api, stageName=api_stage(stage),
                                                                patchOperations=[{
            "op": "replace", "path": f"/{apistage.setting_key('POST /auth/sign-in')}/throttling/rateLimit",
            "value": "10000"}]), lambda: apistage.apply(apigateway, stage, rest_api)),
        "custom domain and certificate": (
            lambda: apigateway.delete_base_path_mapping(domainName=host, basePath="(none)"),
            lambda: apigateway.create_base_path_mapping(domainName=host, restApiId=rest_api,
                                                        stage=api_stage(stage))),
    }


def failing() -> dict[str, list[str]]:
    return {check.name: check.problems for check in doctor.run(STAGE) if not check.ok}


def printed() -> tuple[int, str]:
    """What ``make check`` prints, and its exit status."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = doctor.main([STAGE])
    return status, out.getvalue()


def main() -> None:
    found: dict[str, Any] = {}
    said = io.StringIO()  # what `make rehearse` prints of the deploy: its warnings and the sign-ins' verdict
    with contextlib.redirect_stdout(said), rehearse.deployed_stage(STAGE, sign_in=False) as (ids, problems):
        assert not problems, problems
        found["fresh"] = failing()  # before the sign-ins, which prepare SES as the operator would
        signed = rehearse.signed_in(STAGE, ids)
        found["rehearsal"] = {"problems": signed, "said": said.getvalue()}
        assert not signed, signed
        finish(STAGE)
        found["healthy"], found["printed healthy"] = failing(), printed()
        for name, (plant, undo) in defects(STAGE, ids).items():
            plant()
            found[name] = failing()
            if name == "SES production access":
                found["printed sandbox"] = printed()
            undo()
        found["repaired"] = failing()
    print(json.dumps(found))


STAGE = sys.argv[1] if __name__ == "__main__" else "dev"
if __name__ == "__main__":
    main()
