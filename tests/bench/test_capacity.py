"""The capacity model (bench/bench_capacity.py) reads the checked fault matrix and the stage's
throttles; these pin what docs/capacity.md states from it."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def model() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_capacity", ROOT / "bench" / "bench_capacity.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_capacity"] = module
    spec.loader.exec_module(module)
    return module


def test_a_sign_in_makes_two_user_authentication_calls_and_sends_one_email(model: ModuleType) -> None:
    matrix = model.route_calls()
    calls = model.flow_calls(model.FLOWS["sign-in by code"], matrix)
    assert calls.count("cognito-idp:AdminInitiateAuth") + calls.count("cognito-idp:AdminRespondToAuthChallenge") == 2
    assert calls.count("sesv2:SendEmail") == 1
    assert not set(calls) & model.CACHED, "warm caches read no secrets"


def test_prod_binds_at_its_own_throttle_then_at_ses_then_at_cognito(model: ModuleType) -> None:
    matrix, routes = model.route_calls(), model.FLOWS["sign-in by code"]
    prod = model.limits(routes, matrix, model.stage_throttles("prod"), ses_rate=14.0)
    assert (prod[0].name, prod[0].flows_per_second) == ("API Gateway throttle POST /auth/sign-in", 10.0)
    open_api = {"default": [10_000.0, 20_000.0]}
    assert model.limits(routes, matrix, open_api, ses_rate=14.0)[0].name == "SES sending rate"
    cognito = model.limits(routes, matrix, open_api, ses_rate=1_000.0)[0]
    assert (cognito.name, cognito.flows_per_second) == ("Cognito UserAuthentication", 60.0)


def test_the_sandbox_allows_one_sign_in_email_a_second(model: ModuleType) -> None:
    found = model.limits(model.FLOWS["sign-in by link"], model.route_calls(), model.stage_throttles("dev"), 1.0)
    assert (found[0].name, found[0].flows_per_second) == ("SES sending rate", 1.0)


def test_tiered_prices_count_each_band_once(model: ModuleType) -> None:
    assert model.tiered(10_000, model.COGNITO_LITE) == 0
    assert model.tiered(100_000, model.COGNITO_LITE) == pytest.approx(90_000 * 0.0055)
    assert model.tiered(1_000_000, model.COGNITO_LITE) == pytest.approx(90_000 * 0.0055 + 900_000 * 0.0046)
    costs = model.monthly_costs(1_000_000)
    assert costs["Sesame on Cognito Lite"] < costs["Cognito Essentials (its own passwordless)"]
