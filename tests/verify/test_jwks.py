"""JwksCache: fetch once, bounded refetch, keep keys on failure, threads."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from sesame_verify import CognitoJwtVerifier, JwksCache, KeyNotFoundError
from sesame_verify.errors import JwksError
from sesame_verify.jwks import fetch_url, parse_jwks
from tests.verify.conftest import CLIENT, POOL, Issuer, JwksServer, jwk_of


def test_fetches_once_and_caches(verifier: CognitoJwtVerifier, jwks_server: JwksServer,
                                 issuer: Issuer) -> None:
    for _ in range(5):
        verifier.verify(issuer.token())
    assert jwks_server.hits == 1


def test_a_storm_of_unknown_kids_causes_one_fetch(verifier: CognitoJwtVerifier, jwks_server: JwksServer,
                                                  issuer: Issuer) -> None:
    for i in range(1000):
        with pytest.raises(KeyNotFoundError):
            verifier.verify(Issuer(issuer.key, f"unknown-{i}").token())
    assert jwks_server.hits == 1
    assert verifier.verify(issuer.token())["sub"] == "user-sub-1"
    assert jwks_server.hits == 1


def test_after_the_cooldown_a_storm_refetches_once(jwks_server: JwksServer) -> None:
    now = [0.0]
    cache = JwksCache(jwks_server.url, cooldown=30, clock=lambda: now[0])
    assert cache.get("key-1") is not None
    now[0] += 30
    assert all(cache.get(f"unknown-{i}") is None for i in range(1000))
    assert jwks_server.hits == 2


def test_refetch_after_the_cooldown_picks_up_a_new_key(jwks_server: JwksServer, issuer: Issuer,
                                                       other_key: Any) -> None:
    now = [1000.0]
    cache = JwksCache(jwks_server.url, cooldown=30, clock=lambda: now[0])
    assert cache.get("key-1") is not None
    jwks_server.jwks = {"keys": [jwk_of(other_key, "key-2")]}
    assert cache.get("key-2") is None  # within the cooldown: no fetch
    assert jwks_server.hits == 1
    now[0] += 30
    assert cache.get("key-2") is not None
    assert jwks_server.hits == 2
    assert cache.get("key-1") is None or jwks_server.hits == 2  # retired keys are dropped


def test_a_failed_fetch_keeps_the_old_keys(jwks_server: JwksServer, issuer: Issuer) -> None:
    now = [0.0]
    cache = JwksCache(jwks_server.url, cooldown=30, clock=lambda: now[0])
    assert cache.get("key-1") is not None
    jwks_server.fail = True
    now[0] += 31
    assert cache.get("unknown") is None
    assert jwks_server.hits == 2
    assert cache.get("key-1") is not None


def test_fetch_timeouts_are_bounded(jwks_server: JwksServer, issuer: Issuer) -> None:
    jwks_server.delay = 2.0
    verifier = CognitoJwtVerifier(POOL, CLIENT, "access", jwks_uri=jwks_server.url, timeout=0.2)
    started = time.monotonic()
    with pytest.raises(KeyNotFoundError):
        verifier.verify(issuer.token())
    assert time.monotonic() - started < 1.5


def test_concurrent_first_use_fetches_once(verifier: CognitoJwtVerifier, jwks_server: JwksServer,
                                           issuer: Issuer) -> None:
    jwks_server.delay = 0.2
    token = issuer.token()
    results: list[str] = []

    def worker() -> None:
        results.append(verifier.verify(token)["sub"])

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["user-sub-1"] * 20
    assert jwks_server.hits == 1


def test_a_jwks_passed_in_directly_needs_no_network(issuer: Issuer) -> None:
    jwks = {"keys": [jwk_of(issuer.key, "key-1")]}
    verifier = CognitoJwtVerifier(POOL, CLIENT, "access", jwks=jwks)
    assert verifier.jwks.uri is None
    assert verifier.verify(issuer.token())["sub"] == "user-sub-1"
    with pytest.raises(KeyNotFoundError):
        verifier.verify(Issuer(issuer.key, "other").token())


def test_only_http_urls_are_fetched() -> None:
    with pytest.raises(JwksError):
        fetch_url("file:///etc/passwd", 1.0)


def test_parse_keeps_only_rs256_signing_keys(issuer: Issuer) -> None:
    keys = parse_jwks({"keys": [jwk_of(issuer.key, "good"), {"kid": "ec", "kty": "EC", "use": "sig"},
                                {"kid": "broken", "kty": "RSA", "use": "sig", "n": "!!", "e": "AQAB"},
                                "junk", {"kty": "RSA"}]})
    assert list(keys) == ["good"]
    with pytest.raises(JwksError):
        parse_jwks({"nokeys": []})
