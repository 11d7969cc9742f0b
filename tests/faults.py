"""Injected AWS failures for the fault matrix (tests/test_faults.py).

Every AWS call of the API and of the triggers goes through a botocore client
of its function's role; a hook on each of them records the call, and fails
the n-th one once: before it is sent (an AWS error), or after AWS did the work
and before the answer arrives (a read timeout, the case where the caller
cannot know whether it happened).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError, ReadTimeoutError

from tests.conftest import FUNCTION_ROLES, function_clients

SERVICES = ("cognito-idp", "dynamodb", "kms", "sesv2", "ssm", "events")
TRIGGERS = frozenset(r for r in FUNCTION_ROLES if r != "api_handler")
KINDS = ("error", "timeout")


@dataclass(frozen=True)
class Call:
    role: str
    service: str
    operation: str

    def __str__(self) -> str:
        who = "" if self.role == "api_handler" else f" ({self.role.removesuffix('_auth_challenge')} trigger)"
        return f"{self.service}:{self.operation}{who}"


@dataclass
class Injector:
    """Records AWS calls while ``recording``; fails call number ``fail_at`` (1-based) once."""

    recording: bool = False
    fail_at: int = 0
    kind: str = "error"
    calls: list[Call] = field(default_factory=list)
    failed: Call | None = None
    _hooks: list[tuple[Any, str, Any]] = field(default_factory=list)

    def install(self) -> None:
        """Hook every function's clients, until ``stop``: a client left hooked would be dropped at
        the next reset (``aws.forget_clients``), and its 48 siblings made again by the next test."""
        for role, client in function_clients(SERVICES):
            for name, handler in (("before-call", functools.partial(self._before, role)),
                                  ("after-call", functools.partial(self._after, role))):
                client.meta.events.register(name, handler)
                self._hooks.append((client.meta.events, name, handler))

    def _before(self, role: str, model: Any, context: dict[str, Any], **_: Any) -> None:
        if not self.recording:
            return
        call = Call(role, model.service_model.service_name, model.name)
        self.calls.append(call)
        context["sesame_call"] = len(self.calls)  # the same dict reaches after-call, after nested trigger calls
        if len(self.calls) == self.fail_at and self.kind == "error":
            self.failed = call
            raise ClientError({"Error": {"Code": "ServiceUnavailable", "Message": "injected outage"},
                               "ResponseMetadata": {"HTTPStatusCode": 503}}, model.name)

    def _after(self, role: str, model: Any, context: dict[str, Any], **_: Any) -> None:
        number = context.get("sesame_call", 0)
        if self.recording and number == self.fail_at and self.kind == "timeout" and self.failed is None:
            self.failed = self.calls[number - 1]
            raise ReadTimeoutError(endpoint_url=f"https://{model.service_model.endpoint_prefix}.amazonaws.com")

    def start(self, fail_at: int = 0, kind: str = "error") -> None:
        self.calls, self.failed, self.fail_at, self.kind, self.recording = [], None, fail_at, kind, True

    def stop(self) -> list[Call]:
        self.recording = False
        for events, name, handler in self._hooks:
            events.unregister(name, handler)
        self._hooks.clear()
        return self.calls
