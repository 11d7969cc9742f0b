"""Powertools' Cognito trigger data classes, loaded without the rest of
``data_classes``: that package's ``__init__`` imports every event class
Powertools ships (about 65 ms, a quarter of the Verify trigger's cold start),
and a trigger needs one module of it.

The package is registered without running its ``__init__``; its submodules
then import as usual. In a trigger's Lambda nothing else imports
``data_classes``; should the layout of Powertools change, the plain import
below still works, only slower.
"""

from __future__ import annotations

import importlib.util
import sys

PACKAGE = "aws_lambda_powertools.utilities.data_classes"


def _register_package_without_init() -> None:
    if PACKAGE in sys.modules:
        return
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.submodule_search_locations is None:
        return
    sys.modules[PACKAGE] = importlib.util.module_from_spec(spec)  # __path__ set, __init__ not run


_register_package_without_init()

from aws_lambda_powertools.utilities.data_classes.cognito_user_pool_event import (  # noqa: E402
    CreateAuthChallengeTriggerEvent,
    DefineAuthChallengeTriggerEvent,
    VerifyAuthChallengeResponseTriggerEvent,
)

__all__ = ["CreateAuthChallengeTriggerEvent", "DefineAuthChallengeTriggerEvent",
           "VerifyAuthChallengeResponseTriggerEvent"]
