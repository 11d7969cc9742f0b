"""Test keys, a token minter and a local JWKS server for sesame_verify."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from sesame_verify import CognitoJwtVerifier

POOL = "eu-west-1_TestPool1"
CLIENT = "testclient123"
ISSUER = f"https://cognito-idp.eu-west-1.amazonaws.com/{POOL}"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def jwk_of(key: rsa.RSAPrivateKey, kid: str, **extra: Any) -> dict[str, Any]:
    found: dict[str, Any] = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return {**found, "kid": kid, "use": "sig", "alg": "RS256", **extra}


@dataclass
class Issuer:
    """Mints Cognito-shaped tokens signed by a test key."""

    key: rsa.RSAPrivateKey
    kid: str = "key-1"

    def claims(self, use: str = "access", **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        found: dict[str, Any] = {"sub": "user-sub-1", "iss": ISSUER, "token_use": use,
                                 "iat": now, "auth_time": now, "exp": now + 3600,
                                 "jti": "jti-1", "origin_jti": "origin-1"}
        found["client_id" if use == "access" else "aud"] = CLIENT
        found.update(overrides)
        return {k: v for k, v in found.items() if v is not DROP}

    def token(self, use: str = "access", headers: dict[str, Any] | None = None,
              key: rsa.RSAPrivateKey | None = None, **overrides: Any) -> str:
        return jwt.encode(self.claims(use, **overrides), key or self.key, algorithm="RS256",
                          headers={"kid": self.kid, **(headers or {})})

    def raw(self, header: dict[str, Any], payload: dict[str, Any] | bytes,
            key: rsa.RSAPrivateKey | None = None) -> str:
        """A token built by hand (for headers pyjwt would not write)."""
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        signing_input = f"{b64(json.dumps(header).encode())}.{b64(body)}"
        signature = jwt.algorithms.RSAAlgorithm(jwt.algorithms.RSAAlgorithm.SHA256).sign(
            signing_input.encode(), key or self.key)
        return f"{signing_input}.{b64(signature)}"


DROP = object()


@pytest.fixture(scope="session")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def other_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def issuer(rsa_key: rsa.RSAPrivateKey) -> Issuer:
    return Issuer(rsa_key)


@dataclass
class JwksServer:
    """A local JWKS endpoint that counts its hits."""

    jwks: dict[str, Any]
    hits: int = 0
    delay: float = 0.0
    fail: bool = False
    paths: list[str] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def jwks_server(rsa_key: rsa.RSAPrivateKey) -> Iterator[JwksServer]:
    state = JwksServer(jwks={"keys": [jwk_of(rsa_key, "key-1")]})

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.hits += 1
            state.paths.append(self.path)
            time.sleep(state.delay)
            body = b"oops" if state.fail else json.dumps(state.jwks).encode()
            self.send_response(500 if state.fail else 200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/{POOL}/.well-known/jwks.json"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def verifier(jwks_server: JwksServer) -> CognitoJwtVerifier:
    return CognitoJwtVerifier(POOL, CLIENT, "access", jwks_uri=jwks_server.url)
