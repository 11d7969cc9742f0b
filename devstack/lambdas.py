"""Cognito's synchronous Lambda invocation: a 5-second deadline, retries, and
each function running with its own role.

[COMMON] https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-working-with-lambda-triggers.html
  "Amazon Cognito invokes Lambda functions synchronously. When called, your
  Lambda function must respond within 5 seconds. If it doesn't and if the call
  can be retried, Amazon Cognito retries the call. After three unsuccessful
  attempts, the function times out." An error from the function is retried the
  same way; the request then fails with UserLambdaValidationException.

A timed-out attempt is not killed: like a real Lambda that overruns Cognito's
deadline, it may still finish its writes while Cognito is already retrying.
That is the case the Verify trigger must survive (idempotency), and
``inject`` lets a test provoke it.
"""

from __future__ import annotations

import contextvars
import json
import secrets
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any

from moto.core.exceptions import JsonRESTError

from chalicelib import aws

LambdaHandler = Callable[[dict[str, Any], Any], Any]

DEADLINE_SECONDS = 5.0
ATTEMPTS = 3

_handlers: dict[str, LambdaHandler] = {}
_faults: dict[str, list[Fault]] = {}
_lock = threading.Lock()
_pool = ThreadPoolExecutor(max_workers=16, thread_name_prefix="lambda")


class UserLambdaValidationException(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("UserLambdaValidationException", message)


class InvalidLambdaResponseException(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("InvalidLambdaResponseException", message)


@dataclass(frozen=True)
class Fault:
    """What goes wrong with one invocation, after the handler has run.

    ``"slow"``: the answer arrives ``delay`` seconds late (past the deadline
    when ``delay`` exceeds it). ``"error"``: the handler's work is done but the
    invocation fails, as when a runtime dies before returning.
    """

    kind: str
    delay: float = 0.0


def register(arn: str, handler: LambdaHandler) -> None:
    """Make ``handler`` the code behind the Lambda function ``arn``."""
    _handlers[arn] = handler


def inject(arn: str, *faults: Fault) -> None:
    """The next invocations of ``arn`` suffer ``faults``, one each, in order."""
    with _lock:
        _faults.setdefault(arn, []).extend(faults)


def clear_faults() -> None:
    with _lock:
        _faults.clear()


@dataclass
class Context:
    """The parts of a Lambda context object that handlers read."""

    invoked_function_arn: str
    function_name: str = ""
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 128
    aws_request_id: str = field(default_factory=lambda: secrets.token_hex(16))
    log_group_name: str = ""
    log_stream_name: str = ""
    deadline: float = 0.0

    def __post_init__(self) -> None:
        self.function_name = self.invoked_function_arn.rsplit(":", 1)[-1]
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.deadline = time.monotonic() + DEADLINE_SECONDS

    def get_remaining_time_in_millis(self) -> int:
        return max(int((self.deadline - time.monotonic()) * 1000), 0)


def role_of(arn: str) -> str:
    """The function in app.py behind a deployed name ``sesame-<stage>-<function>``."""
    name = arn.rsplit(":", 1)[-1]
    return name.split("-", 2)[-1]


def _next_fault(arn: str) -> Fault | None:
    with _lock:
        queue = _faults.get(arn)
        return queue.pop(0) if queue else None


def _run(arn: str, handler: LambdaHandler, payload: str, fault: Fault | None) -> Any:
    # A JSON round trip gives the handler a fresh copy, as a Lambda invoke does.
    with aws.acting_as(role_of(arn)):
        result = handler(json.loads(payload), Context(arn))
    if fault is not None and fault.kind == "slow":
        time.sleep(fault.delay)
    if fault is not None and fault.kind == "error":
        raise RuntimeError("Runtime exited without providing a reason")
    return json.loads(json.dumps(result))


def invoke(trigger: str, arn: str, event: dict[str, Any]) -> dict[str, Any]:
    """Invoke ``arn`` as Cognito does: up to 3 attempts of 5 seconds each."""
    handler = _handlers.get(arn)
    if handler is None:
        raise UserLambdaValidationException(f"{trigger} failed with error Function not found: {arn}.")
    payload = json.dumps(event)
    reason = ""
    for _ in range(ATTEMPTS):
        context = contextvars.copy_context()
        future = _pool.submit(context.run, _run, arn, handler, payload, _next_fault(arn))
        try:
            result = future.result(timeout=DEADLINE_SECONDS)
        except FutureTimeout:
            reason = f"Task timed out after {DEADLINE_SECONDS:.2f} seconds"
            continue
        except Exception as exc:  # noqa: BLE001 - the function's own error, retried like a timeout
            reason = str(exc)
            continue
        if not isinstance(result, dict) or not isinstance(result.get("response"), dict):
            raise InvalidLambdaResponseException("Unrecognizable lambda output")
        return result
    raise UserLambdaValidationException(f"{trigger} failed with error {reason}.")
