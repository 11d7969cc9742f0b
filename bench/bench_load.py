"""The local stack under load: 200 complete sign-in flows from 50 concurrent
clients against `make dev` (``python -m devstack``, started here on a free
port with the limiter lifted: every client is 127.0.0.1).

A flow: request a code and link, read the dev mailbox, redeem by code (even
flows) or link (odd), check the session, sign out. Afterwards every credential
is tried once more. Prints flows per second, p50/p95 per step, and the counts
that must be zero: connection errors, 5xx, credentials used twice. A step
answered 503 ``busy`` (Cognito's request quota met: the stack is fast enough
to reach it) is tried again after its Retry-After and counted apart.
Figures, not a pass/fail test.
"""

from __future__ import annotations

import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FLOWS, CLIENTS = (int(v) for v in (sys.argv[1:3] if len(sys.argv) > 2 else (200, 50)))
STEPS = ("request", "mailbox", "redeem", "session", "sign_out")
CODE = re.compile(r"^\s+(\d{6})\s*$", re.M)
TOKEN = re.compile(r"/sign-in/link#token=([A-Za-z0-9_.-]+)")


@dataclass
class Tally:
    times: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in STEPS})
    connection_errors: int = 0
    timeouts: int = 0
    server_errors: int = 0
    throttled: int = 0  # 503 busy: Cognito's quota met, tried again after Retry-After
    other: list[str] = field(default_factory=list)
    credentials: list[tuple[str, str]] = field(default_factory=list)  # (path, credential) used once


class Client:
    """A browser's cookie jar (requests keeps no Secure cookie over http://localhost)."""

    def __init__(self, base: str, origin: str) -> None:
        self.base, self.origin, self.http = base, origin, requests.Session()
        self.jar: dict[str, str] = {}

    def call(self, method: str, path: str, body: dict[str, str] | None = None) -> requests.Response:
        headers = {"Origin": self.origin, "Content-Type": "application/json"} if method != "GET" else {}
        if self.jar:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.jar.items())
        reply = self.http.request(method, self.base + path, json=body, headers=headers, timeout=60)
        for raw in reply.raw.headers.getlist("Set-Cookie"):
            name, _, rest = raw.partition("=")
            value = rest.split(";", 1)[0]
            if "Max-Age=0" in raw:
                self.jar.pop(name, None)
            else:
                self.jar[name] = value
        return reply


def _busy(reply: requests.Response) -> bool:
    """Cognito's request quota was met (devstack/quotas.py): Sesame answers 503 ``busy``."""
    return reply.status_code == 503 and '"busy"' in reply.text


def step(tally: Tally, name: str, call: object, expect: int) -> requests.Response | None:
    """One step, timed; a ``busy`` answer is tried again after its Retry-After, as a person told
    "try again in a few seconds" would (and the same code must still work then)."""
    start = time.perf_counter()
    try:
        reply: requests.Response = call()  # type: ignore[operator]
        for _ in range(5):
            if not _busy(reply):
                break
            tally.throttled += 1
            time.sleep(float(reply.headers.get("Retry-After") or 1))
            reply = call()  # type: ignore[operator]
    except requests.ConnectionError:
        tally.connection_errors += 1
        return None
    except requests.Timeout:
        tally.timeouts += 1
        return None
    tally.times[name].append((time.perf_counter() - start) * 1000)
    if reply.status_code >= 500:
        tally.server_errors += 1
        tally.other.append(f"{name}: {reply.status_code} {reply.text[:80]}")
    elif reply.status_code != expect:
        tally.other.append(f"{name}: {reply.status_code} {reply.text[:80]}")
    return reply


def mail(client: Client, email: str) -> str | None:
    for _ in range(100):
        try:
            found = client.http.get(f"{client.base}/dev/mailbox", params={"to": email}, timeout=60).json()
        except requests.RequestException:
            return None
        messages = found.get("messages", found) if isinstance(found, dict) else found
        if messages:
            return str(messages[0]["text"])
        time.sleep(0.3)
    return None


def flow(number: int, base: str, tally: Tally) -> None:
    client = Client(base, base.replace("127.0.0.1", "localhost"))
    email = f"load{number}@example.com"
    if step(tally, "request", lambda: client.call("POST", "/auth/sign-in", {"email": email}), 202) is None:
        return
    start = time.perf_counter()
    text = mail(client, email)
    tally.times["mailbox"].append((time.perf_counter() - start) * 1000)
    code, token = (CODE.search(text or ""), TOKEN.search(text or ""))
    if not code or not token:
        tally.other.append(f"mailbox: no email for {number}")
        return
    path, body = (("/auth/sign-in/code", {"code": code.group(1)}) if number % 2 == 0
                  else ("/auth/sign-in/link", {"token": token.group(1)}))
    flow_cookie = client.jar.get("__Host-sesame-flow", "")
    redeemed = step(tally, "redeem", lambda: client.call("POST", path, body), 200)
    if redeemed is None or redeemed.status_code != 200:
        return  # a credential that signed nobody in stays valid (docs/fault-matrix.md)
    tally.credentials.append((path, json.dumps({**body, "flow": flow_cookie})))
    step(tally, "session", lambda: client.call("GET", "/auth/session"), 200)
    step(tally, "sign_out", lambda: client.call("POST", "/auth/sign-out", {}), 204)


def reused(base: str, credentials: list[tuple[str, str]]) -> int:
    """How many credentials sign someone in a second time (must be none)."""
    count = 0
    for path, raw in credentials:
        saved = json.loads(raw)
        client = Client(base, base.replace("127.0.0.1", "localhost"))
        client.jar["__Host-sesame-flow"] = saved.pop("flow")
        count += client.call("POST", path, saved).status_code == 200
    return count


def start_dev() -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    lifted = json.dumps({name: [100_000, 60] for name in (
        "sign_in_email_minute", "sign_in_email_hour", "sign_in_ip_hour", "link_ip", "code_ip", "passkey_ip",
        "account_failures", "passkey_failures")})
    env = {**os.environ, "PORT": str(port), "SESAME_LIMITS": lifted, "SESAME_DEVSTACK_STATE": "/tmp/sesame-load.json"}
    process = subprocess.Popen([sys.executable, "-m", "devstack"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if requests.get(f"{base}/auth/health", timeout=1).status_code == 200:
                return process, base
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    process.kill()
    raise SystemExit("make dev did not come up")


def main() -> None:
    process, base = start_dev()
    tally = Tally()
    try:
        started = time.perf_counter()
        with ThreadPoolExecutor(CLIENTS) as pool:
            list(pool.map(lambda n: flow(n, base, tally), range(FLOWS)))
        elapsed = time.perf_counter() - started
        twice = reused(base, tally.credentials)
    finally:
        process.terminate()
        process.wait(timeout=30)
    done = len(tally.times["sign_out"])
    print(f"{FLOWS} flows from {CLIENTS} clients against make dev: {done} complete in {elapsed:.1f} s "
          f"({done / elapsed:.1f} flows/s)")
    for name in STEPS:
        values = sorted(tally.times[name])
        if values:
            p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
            print(f"  {name:9s} p50 {statistics.median(values):7.0f} ms   p95 {p95:7.0f} ms")
    print(f"connection errors: {tally.connection_errors}, timeouts (60 s): {tally.timeouts}, "
          f"5xx: {tally.server_errors}, "
          f"credentials used twice: {twice} (target 0 each)")
    print(f"answered 503 busy (Cognito's request quota met), then tried again: {tally.throttled}")
    for line in tally.other[:10]:
        print(f"  unexpected: {line}")


if __name__ == "__main__":
    main()
