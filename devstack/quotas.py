"""[QUOTAS] Cognito's request-rate quotas, per category, per account and Region.

Cognito groups its user-pool operations into categories (UserAuthentication,
UserCreation, UserRead, ...) and limits each category's requests per second
across every pool of an account in a Region; over the rate it answers
``TooManyRequestsException``. moto has no rates at all. Each category here is a
token bucket holding one second of its rate; ``DEVSTACK_COGNITO_RPS`` (JSON,
category -> rate) overrides the defaults, which are the quotas page's defaults
(check your account's in the Service Quotas console: they can be raised).
A sign-in makes two UserAuthentication calls (initiate, respond).

[QUOTAS] https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html
         ("Amazon Cognito user pools API operation categories and request rate quotas")
[TMR]    https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/CommonErrors.html
         (TooManyRequestsException: "the user has made too many requests for a given operation")
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.core.responses import BaseResponse

ORIGINALS: dict[str, Callable[..., Any]] = {}
DEFAULTS = {"UserAuthentication": 120.0, "UserCreation": 50.0, "UserRead": 120.0, "UserUpdate": 25.0,
            "UserList": 30.0, "UserToken": 120.0}
CATEGORIES = {
    "UserAuthentication": ("AdminInitiateAuth", "AdminRespondToAuthChallenge", "InitiateAuth",
                           "RespondToAuthChallenge"),
    "UserCreation": ("AdminCreateUser", "SignUp"),
    "UserRead": ("AdminGetUser", "GetUser"),
    "UserUpdate": ("AdminUpdateUserAttributes", "AdminSetUserPassword", "AdminDisableUser", "AdminEnableUser",
                   "AdminDeleteUser", "AdminUserGlobalSignOut", "AdminResetUserPassword", "UpdateUserAttributes",
                   "GlobalSignOut"),
    "UserList": ("ListUsers",),
    "UserToken": ("RevokeToken",),
}
_CATEGORY_OF = {action: category for category, actions in CATEGORIES.items() for action in actions}
_lock = threading.Lock()
_buckets: dict[tuple[str, str], list[float]] = {}  # (region, category) -> [tokens, last refill]


def rates() -> dict[str, float]:
    found = dict(DEFAULTS)
    found.update({k: float(v) for k, v in json.loads(os.environ.get("DEVSTACK_COGNITO_RPS") or "{}").items()})
    return found


_clock = time.monotonic  # tests hold it still, so that no token refills between two calls


def reset() -> None:
    with _lock:
        _buckets.clear()


def _admit(region: str, category: str) -> bool:
    rate = rates().get(category)
    if rate is None:
        return True
    now = _clock()
    with _lock:
        tokens, last = _buckets.get((region, category), [rate, now])
        tokens = min(rate, tokens + (now - last) * rate)
        if tokens < 1:
            _buckets[(region, category)] = [tokens, now]
            return False
        _buckets[(region, category)] = [tokens - 1, now]
        return True


def _call_action(self: BaseResponse) -> Any:
    if self.service_name == "cognito-idp":
        category = _CATEGORY_OF.get(self._get_action())
        if category and not _admit(self.region, category):
            raise JsonRESTError("TooManyRequestsException", f"Too many requests ({category} rate exceeded)")
    return ORIGINALS["call_action"](self)


PATCHES: dict[str, tuple[type, Callable[..., Any]]] = {"call_action": (BaseResponse, _call_action)}
