"""``make dev`` (devstack/__main__.py) as a newcomer meets it: the last line printed is the URL to
open, on localhost (the pages' origin), and the state file it writes names a live process."""

from __future__ import annotations

import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_make_dev_ends_its_banner_with_the_url_to_open(tmp_path: Path) -> None:
    port, state = _free_port(), tmp_path / "local.json"
    env = {**os.environ, "PORT": str(port), "SESAME_DEVSTACK_STATE": str(state), "PYTHONUNBUFFERED": "1"}
    dev = subprocess.Popen([sys.executable, "-m", "devstack"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL)
    try:
        assert dev.stdout is not None
        printed, deadline = b"", time.monotonic() + 90
        # Raw reads (select sees every byte), until the "Open ..." line has arrived whole.
        while not re.search(rb"\nOpen [^\n]*\n", printed) and time.monotonic() < deadline:
            if select.select([dev.stdout], [], [], 1.0)[0]:
                printed += os.read(dev.stdout.fileno(), 65536)
        lines = printed.decode().rstrip("\n").splitlines()
        assert lines[-1] == f"Open http://localhost:{port}/ (the pages work on localhost, not 127.0.0.1)"
        printed_later = select.select([dev.stdout], [], [], 1.5)[0]  # nothing more: the URL stays last
        assert not printed_later, os.read(dev.stdout.fileno(), 65536)
        assert json.loads(state.read_text())["pid"] == dev.pid
    finally:
        dev.send_signal(signal.SIGINT)
        dev.wait(timeout=30)
    assert not state.exists()  # removed on the way out
