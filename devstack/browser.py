"""A small stand-in for a browser, for the tests and the rehearsal: keeps cookies per origin like
Chromium does for localhost (Secure cookies included), sends our Origin header, and exposes every
Set-Cookie header so tests can check attributes."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any

import requests


class _SourceAddress(requests.adapters.HTTPAdapter):
    def __init__(self, address: str) -> None:
        self._address = address
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, source_address=(self._address, 0), **kwargs)


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str]
    set_cookies: list[str]
    text: str

    def cookie(self, name: str) -> dict[str, str]:
        """The attributes of the Set-Cookie for ``name`` (lower-cased keys)."""
        for raw in self.set_cookies:
            if raw.split("=", 1)[0] == name:
                parts = [p.strip() for p in raw.split(";")]
                attrs = {"value": parts[0].split("=", 1)[1]}
                for part in parts[1:]:
                    key, _, value = part.partition("=")
                    attrs[key.lower()] = value or "true"
                return attrs
        raise KeyError(name)


def _session() -> requests.Session:
    """A client of loopback servers only: no proxies or .netrc from the environment, which
    requests otherwise reads (the whole environment, twice) on every request."""
    session = requests.Session()
    session.trust_env = False
    return session


@dataclass
class Browser:
    base: str
    origin: str
    jar: dict[str, str] = field(default_factory=dict)
    session: requests.Session = field(default_factory=_session)

    def from_address(self, address: str) -> Browser:
        """Connect from this loopback address (127.0.0.0/8): the API sees another client IP."""
        self.session.mount("http://", _SourceAddress(address))
        return self

    def request(self, method: str, path: str, body: Any = None, *, headers: dict[str, str] | None = None,
                raw: bytes | None = None, origin: bool = True, redirects: bool = True) -> Reply:
        sent = {"Content-Type": "application/json"} if (body is not None or raw is not None) else {}
        if origin and method != "GET":
            sent["Origin"] = self.origin
        if self.jar:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.jar.items())
        sent.update(headers or {})
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        response = self.session.request(method, self.base + path, data=data, headers=sent, timeout=30,
                                        allow_redirects=redirects)
        set_cookies = response.raw.headers.getlist("Set-Cookie")
        self._store(set_cookies)
        try:
            parsed = response.json()
        except ValueError:
            parsed = None
        return Reply(response.status_code, parsed, dict(response.headers), set_cookies, response.text)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Reply:
        """POST JSON, as the sign-in page's fetch() does (``{}`` when no body)."""
        if body is None and kwargs.get("raw") is None:
            body = {}
        return self.request("POST", path, body, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Reply:
        return self.request("GET", path, **kwargs)

    def _store(self, set_cookies: list[str]) -> None:
        for raw in set_cookies:
            jar: SimpleCookie = SimpleCookie()
            jar.load(raw)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0":
                    self.jar.pop(name, None)
                else:
                    self.jar[name] = morsel.value
