"""The code's layout: modules that must not import each other, at any depth of a function."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imported(module: str, prefix: str = "chalicelib") -> set[str]:
    """Every module under ``prefix`` that ``module`` imports, at the top or inside a function."""
    tree = ast.parse(ROOT.joinpath(*module.split(".")).with_suffix(".py").read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(prefix):
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith(prefix))
    return found


def test_session_records_do_not_import_the_session_flow() -> None:
    # flow uses records; records (and what else shares the time format) take it from chalicelib.times
    for module in ("chalicelib.sessions.records", "chalicelib.sessions.devices", "chalicelib.passkeys.store"):
        assert "chalicelib.sessions.flow" not in imported(module), module


def test_the_operators_tools_ship_in_no_function() -> None:
    # chalice packages chalicelib/ whole: sesame-admin lives in tools/ and only imports chalicelib
    assert not (ROOT / "chalicelib" / "admin").exists()
    for path in (ROOT / "chalicelib").rglob("*.py"):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        assert not imported(module, "sesame_tools"), module



def test_the_settings_and_the_secrets_do_not_import_each_other() -> None:
    # both read Parameter Store through chalicelib.ssm
    assert not {"chalicelib.params", "chalicelib.config"} & imported("chalicelib.config") - {"chalicelib.config"}
    assert "chalicelib.config" in imported("chalicelib.params")
