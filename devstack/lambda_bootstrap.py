"""The Lambda runtime's side of a rehearsal: one instance of one deployed function.

Run by ``devstack.runtime`` as ``python3.12 -S -E -s -P lambda_bootstrap.py <code dir> <handler>``,
so that nothing but the unpacked deployment package and Python's standard library can be
imported (no site-packages, no PYTHONPATH): a dependency the package lacks fails here as it
fails in Lambda, with ``Runtime.ImportModuleError`` on every invocation.

Standard library only. One JSON line per invocation on stdin (``event``, ``request_id``,
``deadline_ms``), one JSON line back on the original stdout (``result``, or ``errorType``,
``errorMessage`` and ``stackTrace`` as Lambda reports a function error). Whatever the function
prints (its logs) goes to stderr, as Lambda sends it to CloudWatch Logs.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
import traceback
from typing import Any


class Context:
    """The attributes of Lambda's context object that handlers (and Powertools) read."""

    def __init__(self, request: dict[str, Any]) -> None:
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = "$LATEST"
        self.invoked_function_arn = request["function_arn"]
        self.memory_limit_in_mb = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
        self.aws_request_id = request["request_id"]
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = "rehearsal"
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + request["deadline_ms"] / 1000

    def get_remaining_time_in_millis(self) -> int:
        return max(int((self._deadline - time.monotonic()) * 1000), 0)


def _error(kind: str, exc: BaseException) -> dict[str, Any]:
    return {"errorType": kind, "errorMessage": str(exc),
            "stackTrace": traceback.format_exception(type(exc), exc, exc.__traceback__)}


def _load(handler: str) -> Any:
    module, name = handler.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


def main() -> None:
    code_dir, handler_name = sys.argv[1], sys.argv[2]
    answers = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # the function's prints are its logs
    sys.stdout = sys.stderr
    sys.path.insert(0, code_dir)
    os.chdir(code_dir)  # Lambda's working directory is the task root
    handler, init_error = None, None
    try:
        handler = _load(handler_name)
    except Exception as exc:  # noqa: BLE001 - Lambda reports any init error on each invocation
        init_error = _error("Runtime.ImportModuleError", exc)
    for line in sys.stdin:
        request = json.loads(line)
        if handler is None:
            answer = init_error
        else:
            try:
                answer = {"result": handler(request["event"], Context(request))}
            except Exception as exc:  # noqa: BLE001 - any error is the function's error, as in Lambda
                answer = _error(type(exc).__name__, exc)
        # Lambda ends each invocation's logs with this line; the runtime waits for it, so the
        # logs are in before the answer is acted on (two pipes, two reader threads).
        sys.stderr.write(f"END RequestId: {request['request_id']}\n")
        sys.stderr.flush()
        answers.write(json.dumps(answer, default=str) + "\n")


if __name__ == "__main__":
    main()
