"""API Gateway in front of the deployed API function, for the rehearsal: requests reach the
function through the imported REST API and the custom domain's base path mapping, as on AWS.

[MAPPING] https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-mappings.html
          (a custom domain's base path mapping names the API and stage a request goes to).
[PROXY]   https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html
          (the Lambda proxy integration's input event and output format).
[NOMETHOD] https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html
          (MISSING_AUTHENTICATION_TOKEN, 403, for a method or resource the API lacks; a failed
          integration is 502, "Internal server error"; a timed-out one 504).
[LIMITS]  https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html (29 s integration timeout).
"""

from __future__ import annotations

import base64
import fnmatch
import json
import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from chalicelib import aws
from devstack.runtime import FunctionError

Invoke = Callable[[dict[str, Any]], Any]
INTEGRATION_TIMEOUT = 29.0


class Route:
    def __init__(self, path: str, methods: dict[str, str]) -> None:
        self.path, self.methods = path, methods  # method -> integrated function name
        pattern = re.sub(r"\\\{(\w+)\\\+\\\}", r"(?P<\1>.+)", re.escape(path))
        self.pattern = re.compile("^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", pattern) + "$")
        self.literal = "{" not in path


class Imported:
    """[MAPPING] The API mapped to a custom domain: base path, stage, binary media types, routes."""

    def __init__(self, domain: str) -> None:
        client = aws.client("apigateway")
        mapping = client.get_base_path_mappings(domainName=domain)["items"][0]
        self.base = "" if mapping["basePath"] == "(none)" else "/" + mapping["basePath"]
        self.stage = mapping["stage"]
        self.binary = client.get_rest_api(restApiId=mapping["restApiId"]).get("binaryMediaTypes", [])
        self.routes = _routes(client, mapping["restApiId"])

    def is_binary(self, content_type: str) -> bool:
        kind = content_type.split(";")[0].strip().lower()
        return any(fnmatch.fnmatch(kind, wanted.replace("~1", "/").lower()) for wanted in self.binary)


def _routes(client: Any, api: str) -> list[Route]:
    routes = []
    for resource in client.get_resources(restApiId=api, limit=500)["items"]:
        methods = {}
        for method in resource.get("resourceMethods", {}):
            uri = client.get_integration(restApiId=api, resourceId=resource["id"], httpMethod=method).get("uri", "")
            methods[method] = uri.split(":function:")[-1].split("/")[0]
        routes.append(Route(resource["path"], methods))
    routes.sort(key=lambda route: not route.literal)  # a literal path wins over a template
    return routes


def _event(handler: BaseHTTPRequestHandler, route: Route, params: dict[str, str], path: str,
           api: Imported) -> dict[str, Any]:
    """[PROXY] The REST API proxy integration's event."""
    query = parse_qs(urlsplit(handler.path).query, keep_blank_values=True)
    length = int(handler.headers.get("Content-Length") or 0)
    body = handler.rfile.read(length) if length else b""
    binary = bool(body) and api.is_binary(handler.headers.get("Content-Type", ""))
    headers: dict[str, list[str]] = {}
    for name, value in handler.headers.items():
        headers.setdefault(name, []).append(value)
    return {
        "resource": route.path, "path": path, "httpMethod": handler.command,
        "headers": {k: v[-1] for k, v in headers.items()}, "multiValueHeaders": headers,
        "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
        "multiValueQueryStringParameters": query or None, "pathParameters": params or None,
        "stageVariables": None, "isBase64Encoded": binary,
        "body": (base64.b64encode(body).decode() if binary else body.decode("utf-8", "replace")) if body else None,
        "requestContext": {"resourcePath": route.path, "httpMethod": handler.command, "path": path,
                           "stage": api.stage, "requestId": secrets.token_hex(16),
                           "requestTimeEpoch": int(time.time() * 1000), "protocol": "HTTP/1.1",
                           "domainName": handler.headers.get("Host", ""),
                           "identity": {"sourceIp": handler.client_address[0],
                                        "userAgent": handler.headers.get("User-Agent")}},
    }


class Gateway(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, domain: str, functions: Mapping[str, Invoke]) -> None:
        self.api = Imported(domain)
        self.functions = functions
        super().__init__(("127.0.0.1", 0), _Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def find(self, path: str) -> tuple[Route, dict[str, str]] | None:
        if not path.startswith(self.api.base):
            return None
        for route in self.api.routes:
            found = route.pattern.match(path[len(self.api.base):] or "/")
            if found:
                return route, found.groupdict()
        return None


class _Handler(BaseHTTPRequestHandler):
    server: Gateway

    def log_message(self, *args: Any) -> None:
        pass

    def _answer(self, status: int, headers: dict[str, list[str]], body: bytes) -> None:
        self.send_response(status)
        for name, values in headers.items():
            for value in values:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status: int, message: str, kind: str) -> None:
        self._answer(status, {"Content-Type": ["application/json"], "x-amzn-ErrorType": [kind]},
                     json.dumps({"message": message}).encode())

    def _handle(self) -> None:
        path = urlsplit(self.path).path
        found = self.server.find(path)
        function = found and (found[0].methods.get(self.command) or found[0].methods.get("ANY"))
        if not found or not function:
            return self._error(403, "Missing Authentication Token", "MissingAuthenticationTokenException")
        route, params = found
        event = _event(self, route, params, path[len(self.server.api.base):] or "/", self.server.api)
        try:
            result = self.server.functions[function](event)
        except FunctionError as exc:
            timed_out = exc.answer.get("errorType") == "Sandbox.Timedout"
            return self._error(504 if timed_out else 502, "Endpoint request timed out" if timed_out
                               else "Internal server error", "InternalServerErrorException")
        headers = {k: [v] for k, v in (result.get("headers") or {}).items()}
        headers.update(result.get("multiValueHeaders") or {})
        body = result.get("body") or ""
        raw = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
        self._answer(int(result["statusCode"]), headers, raw)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = _handle
