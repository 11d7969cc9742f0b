"""The Lambda handlers of the three Cognito triggers.

Plain functions, no Chalice import: app.py declares them to Chalice through a
blueprint named after this module, so Chalice gives each function the handler
``triggers.handlers.<name>`` and a trigger's cold start loads this module and
its own trigger, never the API nor Chalice. Each imports its trigger when
first called: Define's cold start does not pay for Verify's AWS clients.
"""

from __future__ import annotations

from typing import Any

NAMES = ("define_auth_challenge", "create_auth_challenge", "verify_auth_challenge")


def define_auth_challenge(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from triggers import define_auth_challenge as trigger

    return trigger.handler(event, context)


def create_auth_challenge(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from triggers import create_auth_challenge as trigger

    return trigger.handler(event, context)


def verify_auth_challenge(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from triggers import verify_auth_challenge as trigger

    return trigger.handler(event, context)
