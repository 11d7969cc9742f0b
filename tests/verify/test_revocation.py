"""``Introspection``: cached, fail closed, bounded; the answers come from a local HTTP server
speaking RFC 7662 (the real round trip against Sesame is in test_readme.py)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest

from sesame_verify import Introspection, RevocationUnavailableError, RevokedTokenError
from sesame_verify.headers import refusal


class Server:
    def __init__(self) -> None:
        self.answer: Any = {"active": True}
        self.status = 200
        self.seen: list[dict[str, Any]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                server.seen.append({"form": parse_qs(body), "auth": self.headers["Authorization"]})
                raw = json.dumps(server.answer).encode()
                self.send_response(server.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args: Any) -> None:
                pass

        self.http = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}/oauth/introspect"


@pytest.fixture
def server() -> Iterator[Server]:
    found = Server()
    thread = threading.Thread(target=found.http.serve_forever, daemon=True)
    thread.start()
    yield found
    found.http.shutdown()


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_active_answers_are_kept_max_age_seconds(server: Server) -> None:
    clock = Clock()
    check = Introspection(server.url, "sc_rs", "secret", max_age=30, clock=clock)
    claims = {"exp": clock.now + 900}
    check.check("a.b.c", claims)
    check.check("a.b.c", claims)
    assert len(server.seen) == 1 and server.seen[0]["form"]["token"] == ["a.b.c"]
    assert server.seen[0]["auth"].startswith("Basic ")
    server.answer = {"active": False}
    clock.now += 29
    check.check("a.b.c", claims)  # still within max_age: the session's end is not seen yet
    clock.now += 2
    with pytest.raises(RevokedTokenError) as caught:
        check.check("a.b.c", claims)
    assert caught.value.reason == "revoked"
    calls = len(server.seen)
    clock.now += 600  # an inactive answer is kept until the token expires: no more calls
    with pytest.raises(RevokedTokenError):
        check.check("a.b.c", claims)
    assert len(server.seen) == calls


@pytest.mark.parametrize(("status", "answer"), [(500, {"error": "x"}), (200, {"active": "yes"}), (200, [1])])
def test_fails_closed_unless_told(server: Server, status: int, answer: Any) -> None:
    server.status, server.answer = status, answer
    with pytest.raises(RevocationUnavailableError) as caught:
        Introspection(server.url, "sc_rs", "secret").check("a.b.c", {"exp": 2e9})
    assert caught.value.reason == "revocation_unavailable" and refusal(caught.value)[0] == 503
    Introspection(server.url, "sc_rs", "secret", fail_open=True).check("a.b.c", {"exp": 2e9})


def test_unreachable_fails_closed() -> None:
    check = Introspection("http://127.0.0.1:9/oauth/introspect", "sc_rs", "secret", timeout=0.5)
    with pytest.raises(RevocationUnavailableError):
        check.check("a.b.c", {"exp": 2e9})


def test_the_cache_is_bounded_and_keeps_no_token(server: Server) -> None:
    check = Introspection(server.url, "sc_rs", "secret", max_entries=10)
    for n in range(25):
        check.check(f"t{n}.b.c", {"exp": 2e9})
    assert len(check._answers) <= 10
    assert not any("." in key for key in check._answers)


@pytest.mark.parametrize("kwargs", [{"url": "ftp://x"}, {"max_age": 301}, {"client_secret": ""}])
def test_bad_configuration_is_refused_at_once(kwargs: dict[str, Any]) -> None:
    args = {"url": "https://auth.example/oauth/introspect", "client_id": "sc", "client_secret": "s", **kwargs}
    with pytest.raises(ValueError):
        Introspection(args.pop("url"), args.pop("client_id"), args.pop("client_secret"), **args)
