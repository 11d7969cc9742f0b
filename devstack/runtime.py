"""Deployed Lambda functions run as Lambda runs them, for the rehearsal.

Each function runs from the deployment package the embedded Lambda holds (the zip
``chalice deploy`` uploaded, unpacked), on the Lambda runtime's Python (3.12, from
``.venv-deploy``), in processes of its own (``lambda_bootstrap.py``) with nothing else
importable, with the function's configured environment and its role's credentials.

[ENV]     https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
          (the runtime's reserved variables: AWS_REGION, AWS_LAMBDA_FUNCTION_NAME, the role's
          AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, ...). Lambda sets
          nothing else; the caller adds only where AWS is (``offline``: AWS_ENDPOINT_URL for
          the SDK, SESAME_JWKS_URI for the pool's public keys, which on AWS are fetched from
          cognito-idp.<region>.amazonaws.com, out of reach offline).
[SCALING] https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html ("each instance
          ... can handle only one concurrent request"; a request that finds every instance busy
          starts a new one).
[TIMEOUT] https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html (an invocation
          that runs past the function's timeout is stopped: "Task timed out after N seconds").
"""

from __future__ import annotations

import collections
import io
import json
import queue
import secrets
import subprocess
import tempfile
import threading
import zipfile
from pathlib import Path
from typing import Any

from moto.backends import get_backend

from chalicelib import aws

BOOTSTRAP = Path(__file__).with_name("lambda_bootstrap.py")
LOG_LINES = 200
END = "END RequestId: "  # Lambda's last log line of an invocation
LOGS_WAIT = 5.0  # seconds: at most, for an invocation's logs to be read after its answer


class FunctionError(Exception):
    """The invocation failed as Lambda reports it: an error from the function, an init error or a timeout."""

    def __init__(self, function: str, answer: dict[str, Any]) -> None:
        super().__init__(f"{function}: {answer.get('errorType')}: {answer.get('errorMessage')}")
        self.answer = answer


class _Instance:
    """One process of the function; serves one invocation at a time."""

    def __init__(self, python: str, code: Path, handler: str, env: dict[str, str], logs: collections.deque[str]):
        self.process = subprocess.Popen([python, "-S", "-E", "-s", "-P", str(BOOTSTRAP), str(code), handler],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True, env=env)
        self.answers: queue.Queue[str] = queue.Queue()
        self.ended: queue.Queue[str] = queue.Queue()  # the request ids whose logs are all in
        threading.Thread(target=self._read, args=(self.process.stdout, self.answers.put), daemon=True).start()
        threading.Thread(target=self._read, args=(self.process.stderr, self._log(logs)), daemon=True).start()

    def _log(self, logs: collections.deque[str]) -> Any:
        def put(line: str) -> None:
            if line.startswith(END):
                self.ended.put(line[len(END):])
            else:
                logs.append(line)
        return put

    @staticmethod
    def _read(stream: Any, put: Any) -> None:
        for line in stream:
            put(line.rstrip("\n"))

    def invoke(self, request: dict[str, Any], timeout: float) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        try:
            answer = dict(json.loads(self.answers.get(timeout=timeout)))
        except queue.Empty:
            self.process.kill()  # [TIMEOUT] Lambda stops the instance
            return {"errorType": "Sandbox.Timedout", "errorMessage": f"Task timed out after {timeout:.2f} seconds"}
        self._logs_in(request["request_id"])
        return answer

    def _logs_in(self, request_id: str) -> None:
        """Wait until the invocation's logs are read (its END line), so that what it logged is
        there for whoever looks next: stdout and stderr are read by two threads."""
        try:
            while self.ended.get(timeout=LOGS_WAIT) != request_id:
                pass
        except queue.Empty:
            pass  # a process that died mid-invocation writes no END line

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()


class Function:
    """One deployed function, read back from the embedded Lambda."""

    def __init__(self, name: str, python: str, offline: dict[str, str]) -> None:
        config = aws.client("lambda").get_function_configuration(FunctionName=name)
        self.name, self.arn = name, config["FunctionArn"]
        self.timeout, self.handler = float(config["Timeout"]), config["Handler"]
        self.code = _unpacked(self.arn, config["CodeSha256"])
        self.env = {**config.get("Environment", {}).get("Variables", {}), **_runtime_env(config), **offline}
        self.python = python
        self.logs: collections.deque[str] = collections.deque(maxlen=LOG_LINES)
        self.invocations = 0
        self._errors: list[str] = []
        self._idle: list[_Instance] = []
        self._all: list[_Instance] = []
        self._lock = threading.Lock()

    def _start(self) -> _Instance:
        """[SCALING] A cold start: a new instance of the function."""
        instance = _Instance(self.python, self.code, self.handler, self.env, self.logs)
        with self._lock:
            self._all.append(instance)
        return instance

    def _take(self) -> _Instance:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return self._start()

    def __call__(self, event: dict[str, Any], context: Any = None) -> Any:
        """Invoke: the function's result, or ``FunctionError``."""
        instance = self._take()
        with self._lock:
            self.invocations += 1
        answer = instance.invoke({"event": event, "request_id": secrets.token_hex(16), "function_arn": self.arn,
                                  "deadline_ms": int(self.timeout * 1000)}, self.timeout)
        if instance.process.poll() is None:
            with self._lock:
                self._idle.append(instance)
        if "result" not in answer:
            error = FunctionError(self.name, answer)
            with self._lock:
                self._errors.append(str(error))
            raise error
        return answer["result"]

    def warm(self) -> None:
        instance = self._start()
        with self._lock:
            self._idle.append(instance)

    def take_errors(self) -> list[str]:
        """What failed since the last call: invocations (``name: errorType: errorMessage``), and what
        the function logged as failed (Powertools' ERROR lines, audit events whose outcome is an error)."""
        with self._lock:
            found, self._errors = self._errors, []
            lines = list(self.logs)
            self.logs.clear()
        return found + [f"{self.name} logged {line}" for line in map(_logged_error, lines) if line]

    def stop(self) -> None:
        with self._lock:
            for instance in self._all:
                instance.stop()
            self._all.clear()
            self._idle.clear()


def _logged_error(line: str) -> str:
    try:
        record = json.loads(line)
    except ValueError:
        return ""
    if not isinstance(record, dict) or "_aws" in record:  # a metric, not a log line
        return ""
    if record.get("level") == "ERROR":  # the exception's last line: its type and message
        last = (str(record.get("exception") or "").strip().splitlines() or [""])[-1]
        return f"{record.get('message')}: {record.get('exception_type') or last}"
    return f"{record.get('event')}: {record.get('reason')}" if record.get("outcome") == "error" else ""


_UNPACKED = tempfile.TemporaryDirectory(prefix="sesame-lambda-")  # removed when the process ends
_unpacked_lock = threading.Lock()


def _unpacked(arn: str, sha: str) -> Path:
    """The package unpacked, once per content: Chalice uploads one zip for every function."""
    target = Path(_UNPACKED.name) / sha.replace("/", "_")
    with _unpacked_lock:
        if not target.is_dir():
            zipfile.ZipFile(io.BytesIO(package(arn))).extractall(target)
    return target


def package(arn: str) -> bytes:
    """The zip the embedded Lambda holds for ``arn`` (moto runs in this process)."""
    account, region = arn.split(":")[4], arn.split(":")[3]
    return bytes(get_backend("lambda")[account][region].get_function(arn).code_bytes)


def _runtime_env(config: dict[str, Any]) -> dict[str, str]:
    """[ENV] What the runtime sets, with the role's own temporary credentials."""
    region = config["FunctionArn"].split(":")[3]
    found = aws.client("sts").assume_role(RoleArn=config["Role"], RoleSessionName=config["FunctionName"])
    keys = found["Credentials"]
    return {"AWS_REGION": region, "AWS_DEFAULT_REGION": region, "AWS_LAMBDA_FUNCTION_NAME": config["FunctionName"],
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(config.get("MemorySize", 128)),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST", "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
            "AWS_ACCESS_KEY_ID": keys["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": keys["SecretAccessKey"],
            "AWS_SESSION_TOKEN": keys["SessionToken"], "TZ": ":UTC", "LANG": "en_US.UTF-8"}

