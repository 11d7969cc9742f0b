"""Revocation other services honour: ask Sesame whether a token's session is live.

A Cognito token verifies offline until its ``exp``, whatever happened since:
sign-out, "sign out everywhere", "this wasn't me", a disabled or deleted account.
``Introspection`` asks Sesame's RFC 7662 endpoint instead, as a registered
confidential client, and remembers the answer:

* an active answer for ``max_age`` seconds (30 by default): a session that ends
  is refused within that long;
* an inactive answer until the token expires (an ended session never revives).

It fails closed: when Sesame cannot answer (network, timeout, a 5xx, an answer
that is not RFC 7662's), the token is refused with ``RevocationUnavailableError``,
unless ``fail_open=True`` says to trust the signature alone for that request.

>>> revocation = Introspection("https://auth.example.com/oauth/introspect", "sc_...", secret)
>>> verifier = CognitoJwtVerifier(pool, client, "access", revocation=revocation)
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any

from sesame_verify.errors import RevocationUnavailableError, RevokedTokenError

MAX_ANSWER_BYTES = 64 * 1024
Poster = Callable[[str, bytes, Mapping[str, str], float], bytes]


def post_form(url: str, body: bytes, headers: Mapping[str, str], timeout: float) -> bytes:
    """POST with a bounded timeout and a bounded answer; raises on anything but a 200."""
    request = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")  # noqa: S310
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - scheme checked
        answer: bytes = response.read(MAX_ANSWER_BYTES + 1)
    if len(answer) > MAX_ANSWER_BYTES:
        raise ValueError("introspection answer too large")
    return answer


class Introspection:
    """Sesame's introspection endpoint as a revocation check for ``CognitoJwtVerifier``."""

    def __init__(self, url: str, client_id: str, client_secret: str, *, max_age: float = 30.0,
                 timeout: float = 2.0, fail_open: bool = False, max_entries: int = 10_000,
                 poster: Poster = post_form, clock: Callable[[], float] = time.time) -> None:
        if urllib.parse.urlsplit(url).scheme not in ("https", "http"):
            raise ValueError("url must be Sesame's https introspection endpoint")
        if not 0 <= max_age <= 300:
            raise ValueError("max_age must be between 0 and 300 seconds")
        if not client_id or not client_secret:
            raise ValueError("introspection needs a confidential client's id and secret")
        credentials = f"{urllib.parse.quote(client_id)}:{urllib.parse.quote(client_secret)}".encode()
        self.url = url
        self.max_age = max_age
        self.timeout = timeout
        self.fail_open = fail_open
        self.max_entries = max_entries
        self._headers = {"Authorization": "Basic " + base64.b64encode(credentials).decode(),
                         "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
        self._poster = poster
        self._clock = clock
        self._lock = threading.Lock()
        # sha256(token) -> (active, good until): no token is kept in memory
        self._answers: dict[str, tuple[bool, float]] = {}

    def check(self, token: str, claims: Mapping[str, Any]) -> None:
        """Raise ``RevokedTokenError`` when the token's session has ended."""
        key = hashlib.sha256(token.encode("ascii")).hexdigest()
        now = self._clock()
        with self._lock:
            cached = self._answers.get(key)
        if cached is not None and cached[1] > now:
            active: bool | None = cached[0]
        else:
            active = self._ask(token)
            if active is None:
                return  # fail_open, and Sesame did not answer
            good_until = now + self.max_age if active else float(claims.get("exp", now + 3600))
            self._remember(key, active, good_until)
        if active is False:
            raise RevokedTokenError("token was revoked")

    def _ask(self, token: str) -> bool | None:
        body = urllib.parse.urlencode({"token": token, "token_type_hint": "access_token"}).encode()
        try:
            answer = json.loads(self._poster(self.url, body, self._headers, self.timeout))
        except (OSError, ValueError, urllib.error.URLError) as exc:
            if self.fail_open:
                return None
            raise RevocationUnavailableError("Sesame's introspection did not answer") from exc
        if not isinstance(answer, dict) or not isinstance(answer.get("active"), bool):
            if self.fail_open:
                return None
            raise RevocationUnavailableError("Sesame's introspection answer is not RFC 7662's")
        return bool(answer["active"])

    def _remember(self, key: str, active: bool, good_until: float) -> None:
        with self._lock:
            if len(self._answers) >= self.max_entries:
                now = self._clock()
                self._answers = {k: v for k, v in self._answers.items() if v[1] > now}
                while len(self._answers) >= self.max_entries:  # still full: forget the oldest
                    self._answers.pop(next(iter(self._answers)))
            self._answers[key] = (active, good_until)
