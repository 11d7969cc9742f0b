"""``make check STAGE=<stage>``: a live stage read back from AWS, never written.

Each check prints ✔, or ✗ with what is wrong and the fix. It reads the resource
stack, the functions ``chalice deploy`` made, the pool, its client and triggers,
SES (identity, DKIM, sandbox, configuration set), the SSM parameters, the alarms
and their topic, the API stage's throttles, and the custom domain with its
certificate. Uses the caller's credentials and region; it needs only read
permissions (``Describe*``, ``Get*``, ``List*``). Exit 1 when anything is ✗.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from chalicelib import aws
from infra import deployed
from infra.resources import stack_name
from infra.settings import chalice_config, infra, stage_environment
from infra.template import build, deploy_settings, sender_domain

SETTLED = ("CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE")


@dataclass(frozen=True)
class Check:
    name: str
    problems: list[str]
    fix: str

    @property
    def ok(self) -> bool:
        return not self.problems


def stack(stage: str) -> list[str]:
    name = stack_name(stage)
    try:
        found = aws.client("cloudformation").describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
    except ClientError as exc:
        if "does not exist" not in str(exc):
            raise
        return [f"there is no stack {name}"]
    return [] if found in SETTLED else [f"{name} is {found}"]


def resource_ids(stage: str) -> dict[str, str]:
    """The pool and client the stack published in SSM (what the functions read)."""
    names = {f"/sesame/{stage}/user-pool-id": "SESAME_USER_POOL_ID", f"/sesame/{stage}/client-id": "SESAME_CLIENT_ID"}
    found = aws.client("ssm").get_parameters(Names=list(names))["Parameters"]
    return {names[p["Name"]]: p["Value"] for p in found}


def client(stage: str, ids: dict[str, str]) -> list[str]:
    """The app client as infra/cognito.json and the stage's token lifetimes declare it."""
    found = aws.client("cognito-idp").describe_user_pool_client(
        UserPoolId=ids["SESAME_USER_POOL_ID"], ClientId=ids["SESAME_CLIENT_ID"])["UserPoolClient"]
    env, wanted = stage_environment(stage), infra("cognito")["UserPoolClient"]
    problems = [] if found.get("ClientSecret") else ["the client has no secret"]
    for key in ("ExplicitAuthFlows", "WriteAttributes"):
        if sorted(found.get(key, [])) != sorted(wanted[key]):
            problems.append(f"{key} is {sorted(found.get(key, []))}, expected {sorted(wanted[key])}")
    for key in ("PreventUserExistenceErrors", "EnableTokenRevocation"):
        if found.get(key) != wanted[key]:
            problems.append(f"{key} is {found.get(key)}, expected {wanted[key]}")
    for key, setting in (("AccessTokenValidity", "SESAME_ACCESS_TOKEN_MINUTES"),
                         ("IdTokenValidity", "SESAME_ID_TOKEN_MINUTES"),
                         ("RefreshTokenValidity", "SESAME_REFRESH_TOKEN_DAYS")):
        if found.get(key) != int(env[setting]):
            problems.append(f"{key} is {found.get(key)}, expected {env[setting]} ({setting})")
    return problems


def identity(stage: str) -> list[str]:
    domain = sender_domain(stage_environment(stage))
    try:
        found = aws.client("sesv2").get_email_identity(EmailIdentity=domain)
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "NotFoundException":
            raise
        return [f"there is no SES identity for {domain}"]
    dkim = found.get("DkimAttributes", {}).get("Status")
    problems = [] if found.get("VerifiedForSendingStatus") else [f"{domain} is not verified for sending"]
    return problems + ([] if dkim == "SUCCESS" else [f"{domain}'s DKIM status is {dkim}"])


def sandbox(stage: str) -> list[str]:
    account = aws.client("sesv2").get_account()
    return [] if account.get("ProductionAccessEnabled") else ["the SES account is in the sandbox"]


def alarms(stage: str) -> list[str]:
    declared = [r["Properties"]["AlarmName"] for r in build(stage)["Resources"].values()
                if r["Type"] == "AWS::CloudWatch::Alarm"]
    topic = _topic(stage)
    if topic is None:
        return [f"there is no SNS topic sesame-{stage}-alarms"]
    found = {a["AlarmName"]: a for a in _described_alarms(declared)}
    problems = [f"alarm {name} is missing" for name in declared if name not in found]
    problems += [f"alarm {name} does not notify the topic" for name, alarm in found.items()
                 if topic not in alarm.get("AlarmActions", [])]
    email = deploy_settings(stage).get("alarm_email")
    subscriptions = aws.client("sns").list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    confirmed = [s for s in subscriptions if s["Endpoint"] == email and s["SubscriptionArn"].startswith("arn:")]
    if email and not confirmed:
        problems.append(f"{email} has not confirmed its subscription to the alarm topic")
    return problems


def _topic(stage: str) -> str | None:
    pages = aws.client("sns").get_paginator("list_topics").paginate()
    arns = [t["TopicArn"] for page in pages for t in page["Topics"]]
    return next((arn for arn in arns if arn.rsplit(":", 1)[1] == f"sesame-{stage}-alarms"), None)


def _described_alarms(names: list[str]) -> list[dict[str, Any]]:
    cloudwatch, found = aws.client("cloudwatch"), []
    for start in range(0, len(names), 100):  # DescribeAlarms takes up to 100 names
        pages = cloudwatch.get_paginator("describe_alarms").paginate(AlarmNames=names[start:start + 100])
        found += [alarm for page in pages for alarm in page["MetricAlarms"]]
    return found


def domain(stage: str) -> list[str]:
    problems = deployed.check_domain(stage)
    wanted = chalice_config()["stages"][stage].get("api_gateway_custom_domain")
    if problems or not wanted:
        return problems
    try:
        certificate = aws.client("acm").describe_certificate(CertificateArn=wanted["certificate_arn"])["Certificate"]
    except ClientError as exc:
        return [f"the certificate {wanted['certificate_arn']} cannot be read ({exc.response['Error']['Code']})"]
    host = wanted["domain_name"]
    names = [certificate.get("DomainName"), *certificate.get("SubjectAlternativeNames", [])]
    problems = [] if certificate.get("Status") == "ISSUED" else [f"the certificate is {certificate.get('Status')}"]
    if not any(n == host or (n and n.startswith("*.") and host.split(".", 1)[1] == n[2:]) for n in names):
        problems.append(f"the certificate does not name {host}")
    return problems


def checks(stage: str) -> list[tuple[str, Callable[[], list[str]], str]]:
    """(what, how to read it, the fix): the order a deploy builds things in."""
    try:
        ids = resource_ids(stage)
        no_ids = ["the stack published no pool or client id in SSM"]
    except ClientError as exc:  # e.g. no read permission on SSM: each check that needs the ids says so
        ids, no_ids = {}, [f"could not read the ids in SSM: {exc.response['Error']['Code']}"]
    have_ids = {"SESAME_USER_POOL_ID", "SESAME_CLIENT_ID"} <= set(ids)
    make = f"make resources STAGE={stage}"
    return [
        ("resource stack", lambda: stack(stage),
         f"run {make}; it recovers a failed create and explains UPDATE_ROLLBACK_FAILED"),
        ("functions (chalice deploy)", lambda: deployed.check_functions(stage),
         f"run chalice deploy --stage {stage} from .venv-deploy"),
        ("ids and secrets in SSM", lambda: deployed.check_ids(stage, ids) if have_ids else no_ids,
         f"run {make}, then the secrets step (docs/deploying.md)"),
        ("user pool client", lambda: client(stage, ids) if have_ids else no_ids,
         f"run {make}: the client is declared in infra/cognito.json and the stage's token settings"),
        ("triggers", lambda: deployed.check_triggers(stage, ids["SESAME_USER_POOL_ID"]) if have_ids else no_ids,
         f"run chalice deploy --stage {stage}, then {make} (it grants Cognito the invoke permissions)"),
        ("SES identity and DKIM", lambda: identity(stage),
         "publish the stack's DkimRecord outputs as CNAME records in the sender's DNS zone, and wait for SUCCESS"),
        ("SES production access", lambda: sandbox(stage),
         "request production access (SES console, Account dashboard); until then only verified addresses "
         "receive email"),
        ("SES configuration set", lambda: deployed.check_email(stage), f"run {make}"),
        ("alarms and their topic", lambda: alarms(stage),
         f"run {make}, and confirm the subscription email sent to the stage's alarm_email (infra/stages.json)"),
        ("API stage throttles", lambda: deployed.check_api(stage),
         f"run {make} (it applies infra/stages.json's throttling after chalice deploy)"),
        ("custom domain and certificate", lambda: domain(stage),
         "issue the certificate in ACM (in the API's Region) for the stage's host, set its ARN in "
         "api_gateway_custom_domain (.chalice/config.json), then chalice deploy; point DNS at the domain"),
    ]


def run(stage: str) -> list[Check]:
    found = []
    for name, read, fix in checks(stage):
        try:
            problems = read()
        except ClientError as exc:  # a read the caller may not make, or a resource gone: still a finding
            problems = [f"could not read it: {exc.response['Error']['Code']}: {exc.response['Error']['Message']}"]
        found.append(Check(name, problems, fix))
    return found


def main(argv: list[str]) -> int:
    stage = argv[0] if argv else "dev"
    found = run(stage)
    for check in found:
        print(f"✔ {check.name}" if check.ok else f"✗ {check.name}: {'; '.join(check.problems)}\n    fix: {check.fix}")
    failed = [c for c in found if not c.ok]
    print(f"{stage}: {len(found) - len(failed)} of {len(found)} checks pass")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
