"""The published OpenAPI document: every route of app.py and nothing else,
docs/openapi.yaml equal to what the API serves, and the running API fuzzed
from it with Schemathesis (no 5xx, answers as documented, the JSON error
shape on every 4xx)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import schemathesis
import yaml
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from chalicelib import openapi
from devstack.browser import Browser

DOC = Path(__file__).resolve().parent.parent / "docs" / "openapi.yaml"
DEV_ONLY = "/dev/"  # the local stage's mailbox: not part of the API


def routes_of_app() -> set[tuple[str, str]]:
    from app import app

    return {(path, method.lower()) for path, entries in app.routes.items() if not path.startswith(DEV_ONLY)
            for method in entries}


def test_every_route_of_the_app_is_documented_and_nothing_else() -> None:
    documented = {(path, method) for path, item in openapi.document()["paths"].items() for method in item}
    assert documented == routes_of_app()


def test_the_document_is_valid_openapi_3_1() -> None:
    validate(openapi.document())


def test_docs_openapi_yaml_is_the_document() -> None:
    text = yaml.safe_dump(openapi.document(), sort_keys=False, width=110, allow_unicode=True)
    if os.environ.get("SESAME_WRITE_OPENAPI") == "1":
        DOC.write_text(text)
    assert yaml.safe_load(DOC.read_text()) == openapi.document(), "SESAME_WRITE_OPENAPI=1 rewrites docs/openapi.yaml"


def test_the_api_serves_it(browser: Browser) -> None:
    reply = browser.get("/auth/openapi.json")
    assert reply.status == 200 and reply.body == json.loads(json.dumps(openapi.document()))


def json_error_on_every_4xx(ctx: Any, response: Any, case: Any) -> bool:
    if 400 <= response.status_code < 500 and case.path.startswith(("/oauth/", "/.well-known/")):
        body = json.loads(response.content)  # OAuth's own error format (RFC 6749 section 5.2)
        assert isinstance(body["error"], str) and set(body) <= {"error", "error_description", "state"}, body
    elif 400 <= response.status_code < 500:
        body = json.loads(response.content)
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
        assert isinstance(body["error"]["code"], str) and isinstance(body["error"]["message"], str)
    return True


schema = schemathesis.openapi.from_dict(openapi.document())
# Methods no route has (TRACE, ...) are answered before the API (Chalice's local server, API Gateway), not by it.
schema.config.phases.coverage.unexpected_methods = set()


@schema.parametrize()
@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_fuzzed_from_the_document(case: Any, api: str) -> None:
    response = case.call(base_url=api, timeout=30)
    case.validate_response(response, checks=[not_a_server_error, status_code_conformance, content_type_conformance,
                                             response_schema_conformance, json_error_on_every_4xx])
