"""The embedded AWS answered in-process: no socket, no HTTP parsing, no thread per request.

moto's server is a WSGI application. A botocore request for the local endpoint is handed to
that same application directly (botocore's ``before-send`` event, as moto's own ``mock_aws``
does), so it meets exactly what a request over the socket meets: the signature and IAM check,
every patch in ``moto_patch``, and the same response bytes, which botocore parses, retries
and raises as it would for a reply from the network. It halves an AWS call's CPU (4.6 →
2.5 ms for a DescribeTable, measured in one process), and every test and ``make dev`` make
thousands of them.

What still goes over the socket:
- anything from another process (``sesame-admin``, the rehearsal's Lambda runtime, browsers);
- any request while ``slow`` holds a late answer: the client's own connect and read timeouts
  must cut it off as they would on the wire, and only a socket has them.

The request runs in an empty ``contextvars`` context, as on the server's own thread: a Lambda
trigger that Cognito invokes must not inherit the API request's role, deadline or audit record.
"""

from __future__ import annotations

import contextvars
import logging
import threading
from typing import Any
from urllib.parse import urlsplit

import botocore.handlers
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from moto.core.botocore_stubber import MockRawResponse
from werkzeug.test import EnvironBuilder, run_wsgi_app

from devstack import slow

_apps: dict[str, Any] = {}  # "http://127.0.0.1:port" -> moto's WSGI application
_lock = threading.Lock()
_log = logging.getLogger(__name__)


def serve(endpoint: str, app: Any) -> None:
    """Answer botocore's requests for ``endpoint`` with ``app``, from now on, in every session."""
    with _lock:
        if not _apps and ("before-send", _send) not in botocore.handlers.BUILTIN_HANDLERS:
            # Built-in handlers are copied into every new session: every client gets it.
            botocore.handlers.BUILTIN_HANDLERS.append(("before-send", _send))
        _apps[endpoint.rstrip("/")] = app


def forget(endpoint: str) -> None:
    with _lock:
        _apps.pop(endpoint.rstrip("/"), None)


def _send(request: AWSPreparedRequest, **_: Any) -> AWSResponse | None:
    parts = urlsplit(request.url)
    app = _apps.get(f"{parts.scheme}://{parts.netloc}")
    if app is None or slow.waiting():
        return None  # botocore sends it over the socket
    status, headers, body = contextvars.Context().run(_call, app, _environ(request, parts))
    return AWSResponse(request.url, status, headers, MockRawResponse(body))  # type: ignore[arg-type]


def _environ(request: AWSPreparedRequest, parts: Any) -> dict[str, Any]:
    body = request.body
    if hasattr(body, "read"):
        body = body.read()
    headers = {name: value.decode() if isinstance(value, bytes) else value for name, value in request.headers.items()}
    environ = EnvironBuilder(path=parts.path or "/", query_string=parts.query, method=request.method,
                             headers=headers, data=body or b"", base_url=f"{parts.scheme}://{parts.netloc}",
                             ).get_environ()
    environ["REMOTE_ADDR"] = "127.0.0.1"
    return environ


def _call(app: Any, environ: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
    try:
        chunks, status, headers = run_wsgi_app(app, environ, buffered=True)
    except Exception:  # noqa: BLE001 - what the server does with an app that fails: log it, answer 500
        _log.exception("the embedded AWS failed on %s %s", environ["REQUEST_METHOD"], environ["PATH_INFO"])
        return 500, {"Content-Type": "text/plain"}, b"Internal Server Error"
    try:
        body = b"".join(chunks)
    finally:
        getattr(chunks, "close", lambda: None)()
    return int(status.split(" ", 1)[0]), dict(headers.items()), body
