"""The documents people read against the code: every error code the API can answer is in the
README's errors table and in the OpenAPI document (chalicelib/errors.py defines them all)."""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path
from typing import Any

from chalicelib import errors, openapi

ROOT = Path(__file__).resolve().parent.parent


def answerable_codes() -> set[str]:
    """The ``code`` of every error the API answers with (each ApiError subclass)."""
    return {cls.code for _, cls in inspect.getmembers(errors, inspect.isclass)
            if issubclass(cls, errors.ApiError) and cls.code}


def readme_codes() -> set[str]:
    table = ROOT.joinpath("README.md").read_text().split("| Status | Code | When |", 1)[1].split("\n\n", 1)[0]
    return set(re.findall(r"`([a-z_]+)`", "\n".join(line.split("|")[2] for line in table.splitlines()[2:])))


def openapi_codes(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        code = node.get("properties", {}).get("error", {}).get("properties", {}).get("code", {})
        found.update(code.get("enum", []) if isinstance(code, dict) else [])
        for value in node.values():
            found |= openapi_codes(value)
    elif isinstance(node, list):
        for value in node:
            found |= openapi_codes(value)
    return found


def test_there_are_codes_to_check() -> None:
    assert {"invalid_code", "rate_limited", "busy", "email_unavailable", "internal"} <= answerable_codes()


def test_the_readme_errors_table_has_every_code_the_api_answers() -> None:
    assert answerable_codes() - readme_codes() == set()
    assert readme_codes() - answerable_codes() == set()  # and nothing the API never says


def test_the_openapi_document_has_every_code_the_api_answers() -> None:
    document = json.loads(json.dumps(openapi.document()))
    assert answerable_codes() - openapi_codes(document) == set()


def test_the_readme_stays_short() -> None:
    """Written for people who want to use Sesame; the rest lives in docs/ (at most ~200 lines)."""
    assert len(ROOT.joinpath("README.md").read_text().splitlines()) <= 200
