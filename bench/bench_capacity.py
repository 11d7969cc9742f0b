"""Capacity and cost: the model behind docs/capacity.md, from a stage's settings.

The AWS calls each route makes come from docs/fault-matrix.md (checked against
the routes by tests/test_faults.py), with warm caches: the SSM secrets and the
app client's secret are read once per function instance, so they are left out.
Each flow's calls are divided into the per-account, per-Region rate that limits
them; the smallest quotient binds. Figures, not a pass/fail test.

    python bench/bench_capacity.py [STAGE] [SES_SENDS_PER_SECOND]

STAGE (default prod) gives the API Gateway throttles (infra/stages.json).
SES_SENDS_PER_SECOND is the account's sending rate (``aws sesv2 get-account``,
``SendQuota.MaxSendRate``): 1 in the sandbox; out of it, AWS sets it per account.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devstack.quotas import CATEGORIES, DEFAULTS  # noqa: E402

MATRIX = ROOT / "docs" / "fault-matrix.md"
ROW = re.compile(r"^\| `(?P<route>[A-Z]+ [^`]+)` \| \d+ \| `(?P<call>[^` ]+)[^`]*` \|")
CACHED = {"ssm:GetParameter", "cognito-idp:DescribeUserPoolClient"}
FLOWS = {
    "sign-in by code": ("POST /auth/sign-in", "POST /auth/sign-in/code"),
    "sign-in by link": ("POST /auth/sign-in", "POST /auth/sign-in/link"),
    "refresh": ("POST /auth/refresh",),
    "sign-out": ("POST /auth/sign-out",),
}
# Rates that are not Cognito's categories, per account and Region, with their source.
# KMS: "Cryptographic operations (symmetric) request rate", the lowest Regional default
# (https://docs.aws.amazon.com/kms/latest/developerguide/requests-per-second.html).
# DynamoDB on-demand: 40,000 read and write request units per table
# (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html);
# a transactional write costs 2 units per item (two items here), so 4 per call.
# EventBridge PutEvents: 10,000 per second in the largest Regions, 2,400 in others
# (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html).
KMS, WRITES, READS, EVENTS = ("KMS cryptographic requests", "DynamoDB write units (table)",
                              "DynamoDB read units (table)", "EventBridge PutEvents")
OTHER_RATES = {KMS: 5500.0, WRITES: 40000.0, READS: 40000.0, EVENTS: 2400.0}
WRITE_UNITS = {"TransactWriteItems": 4, "PutItem": 1, "UpdateItem": 1, "DeleteItem": 1}
READ_UNITS = {"BatchGetItem": 2, "GetItem": 1, "Query": 1}


@dataclass(frozen=True)
class Limit:
    name: str
    rate: float
    per_flow: float

    @property
    def flows_per_second(self) -> float:
        return self.rate / self.per_flow


def route_calls() -> dict[str, list[str]]:
    """Each route's AWS calls (``service:Action``) with cold caches, from the matrix."""
    calls: dict[str, list[str]] = {}
    for line in MATRIX.read_text().splitlines():
        if found := ROW.match(line):
            calls.setdefault(found["route"], []).append(found["call"])
    return calls


def flow_calls(routes: tuple[str, ...], matrix: dict[str, list[str]]) -> list[str]:
    return [call for route in routes for call in matrix[route] if call not in CACHED]


def _units(calls: list[str]) -> dict[str, float]:
    """What the flow spends of each limited rate (requests, emails or capacity units)."""
    spent: dict[str, float] = {}
    category_of = {action: category for category, actions in CATEGORIES.items() for action in actions}
    for call in calls:
        service, action = call.split(":")
        if service == "cognito-idp" and action in category_of:
            key, amount = f"Cognito {category_of[action]}", 1.0
        elif service == "sesv2" and action == "SendEmail":
            key, amount = "SES sending rate", 1.0
        elif service == "kms":
            key, amount = KMS, 1.0
        elif service == "dynamodb":
            write = action in WRITE_UNITS
            key = WRITES if write else READS
            amount = float(WRITE_UNITS.get(action) or READ_UNITS.get(action, 1))
        elif service == "events":
            key, amount = EVENTS, 1.0
        else:
            continue
        spent[key] = spent.get(key, 0.0) + amount
    return spent


def limits(routes: tuple[str, ...], matrix: dict[str, list[str]], throttles: dict[str, list[float]],
           ses_rate: float) -> list[Limit]:
    """Every rate that limits the flow, the binding one first."""
    rates = {f"Cognito {name}": rate for name, rate in DEFAULTS.items()}
    rates |= OTHER_RATES | {"SES sending rate": ses_rate}
    found = [Limit(name, rates[name], spent) for name, spent in _units(flow_calls(routes, matrix)).items()]
    for route in routes:
        rate = (throttles.get(route) or throttles["default"])[0]
        found.append(Limit(f"API Gateway throttle {route}", float(rate), 1.0))
    return sorted(found, key=lambda limit: limit.flows_per_second)


def stage_throttles(stage: str) -> dict[str, list[float]]:
    return dict(json.loads((ROOT / "infra" / "stages.json").read_text())[stage]["throttling"])


# List prices (USD a month), as published in 2025; sources in docs/capacity.md. Not re-checked
# from this offline machine: check the pages before quoting them. Each is (MAU up to, per MAU).
COGNITO_LITE = ((10_000, 0.0), (100_000, 0.0055), (1_000_000, 0.0046), (10_000_000, 0.00325))
COGNITO_ESSENTIALS = ((10_000, 0.0), (10_000_000, 0.015))
SUPABASE_PRO = ((100_000, 0.0), (10_000_000, 0.00325))  # plus the plan's $25
SUPABASE_BASE = 25.0
# Sesame's own AWS use, per sign-in by email: 2 API Gateway requests ($3.50/M), 6 Lambda
# invocations ($0.20/M, about 150 ms at 512 MB each), 1 email ($0.10 per 1,000), about 10
# DynamoDB write and 4 read units on demand ($0.625/M, $0.125/M), 2 KMS requests ($0.03 per 10,000).
PER_SIGN_IN = 2 * 3.5e-6 + 6 * (0.2e-6 + 0.15 * 0.5 * 16.67e-6) + 0.1e-3 + 10 * 0.625e-6 + 4 * 0.125e-6 + 2 * 3e-6
SIGN_INS_PER_MAU = 4


def tiered(mau: int, tiers: tuple[tuple[int, float], ...]) -> float:
    cost, floor = 0.0, 0
    for ceiling, price in tiers:
        cost += max(0, min(mau, ceiling) - floor) * price
        floor = ceiling
    return cost


def monthly_costs(mau: int) -> dict[str, float | None]:
    """USD a month; None where the vendor only quotes by contract."""
    own = mau * SIGN_INS_PER_MAU * PER_SIGN_IN
    return {
        "Sesame on Cognito Lite": tiered(mau, COGNITO_LITE) + own,
        "Cognito Essentials (its own passwordless)": tiered(mau, COGNITO_ESSENTIALS),
        "Supabase Pro": SUPABASE_BASE + tiered(mau, SUPABASE_PRO),
        "Auth0 (free to 25,000 MAU, then by quote)": 0.0 if mau <= 25_000 else None,
    }


def print_costs() -> None:
    print(f"\nmonthly cost, USD ({SIGN_INS_PER_MAU} sign-ins per MAU; "
          f"Sesame's own AWS use ${PER_SIGN_IN * 1e6:.0f} per million sign-ins)")
    for mau in (10_000, 100_000, 1_000_000):
        costs = ", ".join(f"{name} {'quote' if cost is None else f'${cost:,.0f}'}"
                          for name, cost in monthly_costs(mau).items())
        print(f"  {mau:>9,} MAU: {costs}")


def main() -> None:
    stage = sys.argv[1] if len(sys.argv) > 1 else "prod"
    ses_rate = float(sys.argv[2]) if len(sys.argv) > 2 else 14.0
    matrix, throttles = route_calls(), stage_throttles(stage)
    print(f"stage {stage}; SES sending rate {ses_rate:g}/s; Cognito at its default quotas")
    for flow, routes in FLOWS.items():
        found = limits(routes, matrix, throttles, ses_rate)
        print(f"\n{flow}: {len(flow_calls(routes, matrix))} AWS calls (warm)")
        for limit in found:
            print(f"  {limit.name:<46} {limit.rate:>9g}/s  {limit.per_flow:>3g} per flow"
                  f"  -> {limit.flows_per_second:>9.1f} flows/s")
        without_api = [limit for limit in found if not limit.name.startswith("API Gateway")]
        print(f"  binds first: {found[0].name} ({found[0].flows_per_second:.1f}/s); "
              f"without the stage's throttles: {without_api[0].name} ({without_api[0].flows_per_second:.1f}/s)")
    print_costs()


if __name__ == "__main__":
    main()
