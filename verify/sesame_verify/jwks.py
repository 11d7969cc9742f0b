"""A JWKS cache: fetch once, refetch for an unknown ``kid`` at most once per
cooldown window, keep the old keys when a fetch fails. Thread-safe.

Keys are parsed with pyjwt's ``PyJWK``. Only RSA signing keys usable with
RS256 are kept: ``kty`` RSA, ``use`` sig, and ``alg`` RS256 when present.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from jwt import PyJWK
from jwt.exceptions import PyJWTError

from sesame_verify.errors import JwksError

MAX_JWKS_BYTES = 64 * 1024
Fetcher = Callable[[str, float], bytes]


def fetch_url(uri: str, timeout: float) -> bytes:
    """GET ``uri`` with a bounded timeout and a bounded body."""
    if urlsplit(uri).scheme not in ("https", "http"):
        raise JwksError("JWKS URI must be http(s)")
    request = urllib.request.Request(uri, headers={"Accept": "application/json"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - scheme checked
        body: bytes = response.read(MAX_JWKS_BYTES + 1)
    if len(body) > MAX_JWKS_BYTES:
        raise JwksError("JWKS too large")
    return body


class SigningKey(PyJWK):
    """pyjwt's key, keeping the JWK it came from (for ``custom_check``)."""

    def __init__(self, jwk: dict[str, Any]) -> None:
        super().__init__(jwk, algorithm="RS256")
        self.jwk = dict(jwk)


def parse_jwks(data: Mapping[str, Any]) -> dict[str, SigningKey]:
    """The usable RS256 signing keys of a JWKS document, by ``kid``."""
    keys = data.get("keys") if isinstance(data, Mapping) else None
    if not isinstance(keys, list):
        raise JwksError("JWKS has no keys list")
    found: dict[str, SigningKey] = {}
    for entry in keys:
        if not isinstance(entry, dict) or not isinstance(entry.get("kid"), str):
            continue
        if entry.get("kty") != "RSA" or entry.get("use") != "sig":
            continue
        if entry.get("alg", "RS256") != "RS256":
            continue
        try:
            found[entry["kid"]] = SigningKey(entry)
        except (PyJWTError, ValueError, TypeError):  # an unusable key is skipped, not fatal
            continue
    return found


class JwksCache:
    """Signing keys from one JWKS URI (or a JWKS passed in directly)."""

    def __init__(self, uri: str | None, *, timeout: float = 3.0, cooldown: float = 30.0,
                 jwks: Mapping[str, Any] | None = None, fetcher: Fetcher = fetch_url,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if uri is None and jwks is None:
            raise ValueError("give a JWKS URI or a JWKS")
        self.uri = uri
        self.timeout = timeout
        self.cooldown = cooldown
        self._fetcher = fetcher
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: dict[str, SigningKey] = parse_jwks(jwks) if jwks is not None else {}
        self._last_fetch: float | None = None
        #: How many times the JWKS was fetched (for tests and benchmarks).
        self.fetches = 0

    def get(self, kid: str) -> SigningKey | None:
        """The key for ``kid``, fetching the JWKS if this kid is new to us."""
        key = self._keys.get(kid)
        if key is not None or self.uri is None:
            return key
        with self._lock:
            key = self._keys.get(kid)
            if key is None and self._may_fetch():
                self._refresh()
                key = self._keys.get(kid)
        return key

    def _may_fetch(self) -> bool:
        return self._last_fetch is None or self._clock() - self._last_fetch >= self.cooldown

    def hydrate(self) -> None:
        """Fetch the JWKS now, whatever the cooldown; ``JwksError`` if it cannot be fetched or has no
        usable key (the keys we had stay)."""
        if self.uri is None:
            return
        with self._lock:
            self._keys = self._fetch()

    def load(self, jwks: Mapping[str, Any]) -> None:
        """Replace the keys with those of a JWKS document, with no network call."""
        keys = parse_jwks(jwks)
        with self._lock:
            self._keys = keys

    def _refresh(self) -> None:
        # Called with the lock held; a failure keeps the keys we had.
        try:
            # Replace, not merge: a key the issuer retired must stop verifying.
            self._keys = self._fetch()
        except JwksError:
            return

    def _fetch(self) -> dict[str, SigningKey]:
        assert self.uri is not None
        self._last_fetch = self._clock()
        self.fetches += 1
        try:
            fresh = parse_jwks(json.loads(self._fetcher(self.uri, self.timeout)))
        except (OSError, ValueError) as exc:
            raise JwksError("the JWKS could not be fetched") from exc
        if not fresh:
            raise JwksError("the JWKS has no usable signing key")
        return fresh
