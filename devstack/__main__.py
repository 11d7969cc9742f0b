"""``make dev``: the whole system on http://localhost:$PORT (default 8000)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from devstack import stack

    port = int(os.environ.get("PORT", "8000"))
    overrides = {"SESAME_PUBLIC_URL": f"http://localhost:{port}"}
    if os.environ.get("SESAME_LIMITS"):  # e.g. lifted for a load run (bench/bench_load.py)
        overrides["SESAME_LIMITS"] = os.environ["SESAME_LIMITS"]
    local = stack.start(stage="local", overrides=overrides)
    from devstack import locallog

    locallog.install()  # one line per event (SESAME_LOG_JSON=1: the JSON a deployed stage writes)
    from app import app

    server = stack.local_server(app, port)
    from sesame_tools.cli import state_path

    state = state_path()
    local.write_state(state)
    print(f"Sesame is running on http://localhost:{port}", flush=True)
    print(f"  sign in:      http://localhost:{port}/", flush=True)
    print(f"  dev mailbox:  http://localhost:{port}/dev/mailbox/view", flush=True)
    print(f"  embedded AWS: {local.endpoint} (moto)", flush=True)
    print(f"  for your app: http://localhost:{port}/.well-known/oauth-authorization-server; "
          "`.venv/bin/sesame-admin --stage local env` prints what a service needs (docs/integrating.md)",
          flush=True)
    print("Press Ctrl-C to stop.", flush=True)
    print(f"Open http://localhost:{port}/ (the pages work on localhost, not 127.0.0.1)", flush=True)
    try:
        server.server.serve_forever()  # not Chalice's serve_forever: its "Serving on 127.0.0.1" would be the last line
    except KeyboardInterrupt:
        print("\nStopping.", flush=True)
    finally:
        server.server.server_close()
        state.unlink(missing_ok=True)
        local.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
