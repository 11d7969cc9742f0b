"""Does POST /auth/sign-in take the same time whether or not the account exists?

Runs the local stack and the API on Chalice's local server, then sends 50
requests for existing accounts and 50 for unknown addresses, interleaved,
each to a different address. Prints both medians and their difference
(target: under 10 ms). Also 50 for addresses on SES's suppression list, which
are mailed nothing: their median shows what skipping the send saves (it says
an address bounced, not whether it has an account). Figures, not a pass/fail test.
"""

from __future__ import annotations

import json
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
    for email in known:
        create_user(email)
    from chalicelib import aws

    for i in range(SAMPLES):
        aws.client("sesv2").put_suppressed_destination(EmailAddress=f"bounced{i}@example.com", Reason="BOUNCE")
    session = requests.Session()
    headers = {"Content-Type": "application/json", "Origin": f"http://localhost:{port}"}

    def timed(email: str) -> float:
        start = time.perf_counter()
        reply = session.post(f"http://127.0.0.1:{port}/auth/sign-in", json={"email": email}, headers=headers)
        elapsed = time.perf_counter() - start
        assert reply.status_code == 202, reply.text
        return elapsed * 1000

    report(timed, known)
    server.server.shutdown()
    local.stop()


def report(timed: Callable[[str], float], known: list[str]) -> None:
    for i in range(5):  # warm caches (SSM secrets, clients) on both paths
        timed(known[SAMPLES + i])
        timed(f"warmup{i}@example.com")
    times: dict[str, list[float]] = {"existing": [], "unknown": [], "suppressed": []}
    for i in range(SAMPLES):
        trio = [("existing", known[i]), ("unknown", f"stranger{i}@example.com"),
                ("suppressed", f"bounced{i}@example.com")]
        for kind, email in trio if i % 2 else reversed(trio):
            times[kind].append(timed(email))
    a, b, c = (statistics.median(times[kind]) for kind in ("existing", "unknown", "suppressed"))
    print(f"POST /auth/sign-in, median of {SAMPLES} each (ms):")
    print(f"  existing account  {a:7.2f}")
    print(f"  unknown address   {b:7.2f}")
    print(f"  difference        {abs(a - b):7.2f}  (target < 10 ms -> {'met' if abs(a - b) < 10 else 'NOT met'})")
    print(f"  suppressed        {c:7.2f}  ({c / b:.2f}x unknown: no send)")


if __name__ == "__main__":
    main()
