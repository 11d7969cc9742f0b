"""The operator's tools (``sesame-admin``): the account lifecycle (``lifecycle``), the apps
(``apps``) and the command (``cli``). They ship in no Lambda function: they import
``chalicelib`` from this checkout like any other client of it."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # an editable install: this file stays in the checkout
if str(ROOT) not in sys.path:  # chalicelib, devstack and infra come from the checkout
    sys.path.insert(0, str(ROOT))


def main() -> int:
    from sesame_tools.cli import main as run

    return run(sys.argv[1:])
