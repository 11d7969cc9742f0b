"""Alarms, their SNS topic, and the sign-in dashboard, per stage.

The audit log's EMF metric ``Sesame/AuthEvents`` (dimensions stage, event,
method, outcome, reason, service) feeds the funnel and the failure alarms.
"""

from __future__ import annotations

import json
from typing import Any

from infra.settings import stage_environment

API = "sesame"  # the REST API's name (Chalice's app_name); each stage has its own API stage name
ROUTES = [("POST", "/auth/sign-in"), ("POST", "/auth/sign-in/code"), ("POST", "/auth/sign-in/link"),
          ("POST", "/auth/sign-in/link/preview"), ("GET", "/auth/session"), ("POST", "/auth/refresh"),
          ("POST", "/auth/sign-out")]


def _alarm(name: str, description: str, metric: dict[str, Any], threshold: float,
           statistic: str = "Sum", period: int = 300, periods: int = 1) -> dict[str, Any]:
    stat_key = "ExtendedStatistic" if statistic.startswith("p") else "Statistic"
    return {"Type": "AWS::CloudWatch::Alarm", "Properties": {
        "AlarmName": name, "AlarmDescription": description, "Namespace": metric["namespace"],
        "MetricName": metric["name"], "Dimensions": [{"Name": k, "Value": v} for k, v in metric["dims"].items()],
        stat_key: statistic, "Period": period, "EvaluationPeriods": periods, "Threshold": threshold,
        "ComparisonOperator": "GreaterThanThreshold", "TreatMissingData": "notBreaching",
        "AlarmActions": [{"Ref": "AlarmTopic"}], "OKActions": [{"Ref": "AlarmTopic"}]}}


def _audit(stage: str, event: str, outcome: str, method: str, reason: str) -> dict[str, Any]:
    return {"namespace": "Sesame", "name": "AuthEvents", "dims": {
        "stage": stage, "event": event, "method": method, "outcome": outcome, "reason": reason,
        "service": "sesame"}}


def _email(stage: str, name: str) -> dict[str, Any]:
    """SES's event metric ``name`` (Send, Bounce, Complaint...) for the stage's configuration set."""
    return {"namespace": "AWS/SES", "name": name,
            "dims": {"ses:configuration-set": stage_environment(stage)["SESAME_SES_CONFIGURATION_SET"]}}


def alarms(stage: str, api_stage: str, functions: dict[str, str]) -> dict[str, Any]:
    """``functions``: logical name -> deployed function name."""
    api = {"ApiName": API, "Stage": api_stage}
    found: dict[str, Any] = {
        "Api5xxAlarm": _alarm(f"sesame-{stage}-api-5xx", "The API answers 5xx",
                              {"namespace": "AWS/ApiGateway", "name": "5XXError", "dims": api}, 5),
        "ApiThrottledAlarm": _alarm(f"sesame-{stage}-api-4xx-throttled",
                                    "4xx from API Gateway, which counts its own throttling (429)",
                                    {"namespace": "AWS/ApiGateway", "name": "4XXError", "dims": api}, 200),
        "LimiterAlarm": _alarm(f"sesame-{stage}-rate-limited", "Our limiter refused requests",
                               _audit(stage, "rate_limited", "refused", "email", "rate_limited"), 50),
        "FailedSignInAlarm": _alarm(f"sesame-{stage}-failed-sign-ins", "A spike in failed code sign-ins",
                                    _audit(stage, "sign_in.failed", "failure", "code", "invalid_code"), 100),
        "FailedLinkAlarm": _alarm(f"sesame-{stage}-failed-links", "A spike in failed link sign-ins",
                                  _audit(stage, "sign_in.failed", "failure", "link", "invalid_link"), 100),
        "EventPublishAlarm": _alarm(f"sesame-{stage}-event-publish-failed",
                                    "Auth events did not reach the EventBridge bus (subscribers miss them)",
                                    {"namespace": "Sesame", "name": "EventPublishFailed",
                                     "dims": {"stage": stage, "service": "sesame"}}, 0),
        "SesBounceAlarm": _alarm(f"sesame-{stage}-ses-bounces", "SES bounce rate over 5%",
                                 {"namespace": "AWS/SES", "name": "Reputation.BounceRate", "dims": {}},
                                 0.05, statistic="Average", period=3600),
        "SesComplaintAlarm": _alarm(f"sesame-{stage}-ses-complaints", "SES complaint rate over 0.1%",
                                    {"namespace": "AWS/SES", "name": "Reputation.ComplaintRate", "dims": {}},
                                    0.001, statistic="Average", period=3600),
        # The stage's own mail (its configuration set's event metrics), whatever else the account sends.
        "StageBounceAlarm": _alarm(f"sesame-{stage}-email-bounces", "This stage's emails bounce (10 in an hour)",
                                   _email(stage, "Bounce"), 10, period=3600),
        "StageComplaintAlarm": _alarm(f"sesame-{stage}-email-complaints",
                                      "Readers marked this stage's emails as spam", _email(stage, "Complaint"), 0,
                                      period=3600),
        "EmailFailedAlarm": _alarm(f"sesame-{stage}-email-not-sent", "SES refused or throttled sign-in emails",
                                   _audit(stage, "sign_in.request_failed", "error", "email", "dependency"), 10),
    }
    for method, path in ROUTES:
        key = "".join(part.title() for part in path.replace("-", "/").split("/") if part) + method.title()
        found[f"Latency{key}Alarm"] = _alarm(
            f"sesame-{stage}-p99-{method.lower()}{path.replace('/', '-')}", f"p99 latency of {method} {path}",
            {"namespace": "AWS/ApiGateway", "name": "Latency", "dims": {**api, "Method": method, "Resource": path}},
            3000, statistic="p99", periods=3)
    for logical, name in functions.items():
        for metric in ("Errors", "Throttles"):
            found[f"{logical}{metric}Alarm"] = _alarm(
                f"sesame-{stage}-{logical}-{metric.lower()}", f"Lambda {metric} of {name}",
                {"namespace": "AWS/Lambda", "name": metric, "dims": {"FunctionName": name}}, 0)
    return found


def _series(metric: dict[str, Any]) -> list[Any]:
    return [metric["namespace"], metric["name"], *[part for item in metric["dims"].items() for part in item]]


def dashboard(stage: str) -> dict[str, Any]:
    def audit(event: str, outcome: str, method: str, reason: str, label: str) -> list[Any]:
        return ["Sesame", "AuthEvents", "stage", stage, "event", event, "method", method, "outcome", outcome,
                "reason", reason, "service", "sesame", {"label": label, "stat": "Sum"}]

    funnel = [audit("sign_in.requested", "success", "email", "ok", "requested"),
              ["AWS/SES", "Send", {"label": "email sent", "stat": "Sum"}],
              audit("sign_in.code_verified", "success", "code", "ok", "verified (code)"),
              audit("sign_in.link_verified", "success", "link", "ok", "verified (link)"),
              audit("session.checked", "success", "session", "ok", "session")]
    failures = [audit("sign_in.failed", "failure", "code", "invalid_code", "wrong/expired code"),
                audit("sign_in.failed", "failure", "link", "invalid_link", "bad link"),
                audit("rate_limited", "refused", "email", "rate_limited", "rate limited"),
                audit("sign_in.request_failed", "failure", "email", "invalid_email", "invalid email"),
                # web.audited counts a dependency failure with the reason "dependency" (its detail
                # stays in the log record only, so the metric's dimensions stay few).
                audit("sign_in.request_failed", "error", "email", "dependency", "unavailable")]
    widgets = [
        {"type": "metric", "x": 0, "y": 0, "width": 12, "height": 6, "properties": {
            "title": "Sign-in funnel: requested, email sent, verified, session", "view": "bar",
            "region": "${AWS::Region}", "period": 3600, "metrics": funnel}},
        {"type": "metric", "x": 12, "y": 0, "width": 12, "height": 6, "properties": {
            "title": "Failures by reason", "view": "timeSeries", "stacked": True, "region": "${AWS::Region}",
            "period": 300, "metrics": failures}},
        {"type": "metric", "x": 0, "y": 6, "width": 24, "height": 6, "properties": {
            "title": "Email: this stage's configuration set, and sign-ins to suppressed addresses",
            "view": "timeSeries", "region": "${AWS::Region}", "period": 3600, "metrics": [
                [*_series(_email(stage, name)), {"label": name.lower(), "stat": "Sum"}]
                for name in ("Send", "Delivery", "Bounce", "Complaint", "Reject")] + [
                audit("sign_in.suppressed", "success", "email", "ok", "suppressed (nothing sent)")]}},
    ]
    return {"Type": "AWS::CloudWatch::Dashboard", "Properties": {
        "DashboardName": f"sesame-{stage}", "DashboardBody": {"Fn::Sub": json.dumps({"widgets": widgets})}}}


def resources(stage: str, api_stage: str, deploy: dict[str, Any], functions: dict[str, str]) -> dict[str, Any]:
    # No SSE key: the AWS-managed alias/aws/sns key's policy does not let CloudWatch
    # publish, so an encrypted topic would swallow every alarm.
    topic: dict[str, Any] = {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": f"sesame-{stage}-alarms"}}
    found = {"AlarmTopic": topic, "Dashboard": dashboard(stage), **alarms(stage, api_stage, functions)}
    if deploy.get("alarm_email"):
        found["AlarmSubscription"] = {"Type": "AWS::SNS::Subscription", "Properties": {
            "TopicArn": {"Ref": "AlarmTopic"}, "Protocol": "email", "Endpoint": deploy["alarm_email"]}}
    return found
