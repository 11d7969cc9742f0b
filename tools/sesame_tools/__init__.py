"""Entry points of the project's console scripts, run from this checkout."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # an editable install: this file stays in the checkout


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from chalicelib.admin.cli import main as run

    return run(sys.argv[1:])
