"""Does what a stranger can reach take the same time whatever the address's state?

Runs the local stack and the API on Chalice's local server. For each of five
states (an existing account, an unknown address, a disabled account, an
address on SES's suppression list, an unproven account) it sends 50 sign-in
requests, interleaved, each to a different address, then with each request's
flow cookie a wrong code and a forged link preview. Prints the medians per
endpoint and state, and each endpoint's largest gap between two states, paired
by round (target: under 10 ms). Figures, not a pass/fail test.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SAMPLES = 50


def main() -> None:
    from chalicelib import limits
    from devstack import stack
    from tests.conftest import create_user

    # 110 sign-ins from one IP in a minute: lift the limiter, which would (rightly) refuse them.
    lifted = json.dumps({name: [100_000, 60] for name in limits.DEFAULTS})
    local = stack.start(stage="local", overrides={"SESAME_PUBLIC_URL": "http://localhost:1", "SESAME_LIMITS": lifted})
    from app import app

    server = stack.local_server(app, 0)
    port = server.server.server_address[1]
    local.overrides["SESAME_PUBLIC_URL"] = f"http://localhost:{port}"
    local.reset()
    threading.Thread(target=server.server.serve_forever, daemon=True).start()
    known = [f"member{i}@example.com" for i in range(SAMPLES + 5)]
    from chalicelib import accounts, aws
    from chalicelib.config import settings

    idp = aws.client("cognito-idp")
    # Interleaved: the emulator finds a user by scanning the pool (AWS does not), so each
    # state's accounts sit at the same depth.
    for i in range(SAMPLES + 5):
        create_user(known[i])
        aws.client("sesv2").put_suppressed_destination(EmailAddress=f"bounced{i}@example.com", Reason="BOUNCE")
        create_user(f"disabled{i}@example.com")
        idp.admin_disable_user(UserPoolId=settings().user_pool_id, Username=f"disabled{i}@example.com")
        accounts.create(f"unproven{i}@example.com", proven=False)
    headers = {"Content-Type": "application/json", "Origin": f"http://localhost:{port}"}

    def timed(email: str) -> dict[str, float]:
        """One browser: the request, then a wrong code and a forged link with its flow cookie (ms each)."""
        found, flow = {}, ""
        for name, path, body in (("request", "/auth/sign-in", {"email": email}),
                                 ("wrong code", "/auth/sign-in/code", {"code": "000000"}),
                                 ("forged link", "/auth/sign-in/link/preview", None)):
            if body is None:
                body = {"token": flow + "." + "A" * 200}
            cookie = {"Cookie": f"__Host-sesame-flow={flow}"} if flow else {}
            start = time.perf_counter()
            reply = requests.post(f"http://127.0.0.1:{port}{path}", json=body, headers={**headers, **cookie})
            found[name] = (time.perf_counter() - start) * 1000
            assert reply.status_code in (202, 401), reply.text
            flow = flow or reply.headers["Set-Cookie"].split(";", 1)[0].split("=", 1)[1]
        return found

    report(timed, known)
    server.server.shutdown()
    local.stop()


STATES = ("existing", "unknown", "disabled", "suppressed", "unproven")


def report(timed: Callable[[str], dict[str, float]], known: list[str]) -> None:
    addresses = {"existing": known, "unknown": [f"stranger{i}@example.com" for i in range(SAMPLES + 5)],
                 **{state: [f"{prefix}{i}@example.com" for i in range(SAMPLES + 5)]
                    for state, prefix in (("disabled", "disabled"), ("suppressed", "bounced"),
                                          ("unproven", "unproven"))}}
    for state in STATES:  # warm caches (SSM secrets, clients) on every path
        for i in range(3):
            timed(addresses[state][SAMPLES + i])
    times: dict[str, dict[str, list[float]]] = {state: {} for state in STATES}
    shuffle = random.Random(2026).shuffle  # a new order each round: no state always first or last
    for i in range(SAMPLES):
        order = list(STATES)
        shuffle(order)
        for state in order:
            for endpoint, ms in timed(addresses[state][i]).items():
                times[state].setdefault(endpoint, []).append(ms)
    endpoints = list(times["existing"])
    print(f"Median of {SAMPLES} each (ms), by the address's state; the gap compares each state with the other")
    print("states of the same round (paired: the emulator slows as its tables grow, which medians alone mix in):")
    print(f"  {'':12}" + "".join(f"{state:>12}" for state in STATES) + f"{'largest gap':>14}")
    for endpoint in endpoints:
        medians = [statistics.median(times[state][endpoint]) for state in STATES]
        rounds = [statistics.mean(times[state][endpoint][i] for state in STATES) for i in range(SAMPLES)]
        paired = [statistics.median(times[state][endpoint][i] - rounds[i] for i in range(SAMPLES)) for state in STATES]
        gap = max(paired) - min(paired)
        verdict = "met" if gap < 10 else "NOT met"
        print(f"  {endpoint:12}" + "".join(f"{m:12.2f}" for m in medians) + f"{gap:11.2f} ms  (target < 10: {verdict})")

if __name__ == "__main__":
    main()
