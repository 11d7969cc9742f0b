"""devstack's local server answers as API Gateway does where Chalice's own does
not: the TCP peer is ``identity.sourceIp``, and a method no route has is a 403.
Doc references are in devstack/stack.py."""

from __future__ import annotations

import http.client
import io
import json
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.conftest import events


@pytest.mark.parametrize("method", ["TRACE", "PROPFIND", "BREW"])
def test_a_method_no_route_has_is_api_gateways_403(api: str, method: str) -> None:
    # [NOMETHOD]: never a 5xx, which a fuzzer would rightly report.
    where = urlsplit(api)
    connection = http.client.HTTPConnection(where.hostname or "127.0.0.1", where.port, timeout=10)
    connection.request(method, "/auth/health")
    reply = connection.getresponse()
    assert reply.status == 403 and reply.getheader("x-amzn-ErrorType") == "MissingAuthenticationTokenException"
    assert json.loads(reply.read()) == {"message": "Missing Authentication Token"}
    connection.close()


def test_the_source_ip_is_the_tcp_peers(new_browser: Any, user: str, audit_log: io.StringIO) -> None:
    # [SOURCEIP]: per-IP limits can tell two clients apart.
    new_browser().from_address("127.0.0.2").post("/auth/sign-in", {"email": user})
    new_browser().post("/auth/sign-in", {"email": "other@example.com"})
    assert [e["source_ip"] for e in events(audit_log.getvalue())] == ["127.0.0.2", "127.0.0.1"]
