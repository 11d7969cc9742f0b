"""Add compiled bytecode to the deployment zip.

Chalice's zip holds sources only, and Lambda's /var/task is read-only, so
every cold start would compile every module it imports. Unchecked-hash .pyc
files (PEP 552) are used as they are, whatever the extracted files' mtimes.
``python -m infra.bytecode <deployment.zip>`` rewrites the zip in place.
"""

from __future__ import annotations

import py_compile
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path


def add_bytecode(archive: Path) -> int:
    """Compile every .py in ``archive`` into it; returns how many were added."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        with zipfile.ZipFile(archive) as source:
            source.extractall(root)
        count = 0
        for path in sorted(root.rglob("*.py")):
            try:
                py_compile.compile(str(path), doraise=True,
                                   invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
                count += 1
            except py_compile.PyCompileError:
                continue  # e.g. a test fixture with deliberately broken syntax in a dependency
        rebuilt = root.with_suffix(".zip")
        with zipfile.ZipFile(rebuilt, "w", zipfile.ZIP_DEFLATED) as target:
            for path in sorted(root.rglob("*")):
                if path.is_file():
                    info = zipfile.ZipInfo.from_file(path, path.relative_to(root).as_posix())
                    info.external_attr = (0o755 if path.stat().st_mode & 0o111 else 0o644) << 16
                    info.compress_type = zipfile.ZIP_DEFLATED
                    target.writestr(info, path.read_bytes())
        shutil.move(str(rebuilt), archive)
    return count


if __name__ == "__main__":
    print(f"compiled {add_bytecode(Path(sys.argv[1]))} modules into {sys.argv[1]}")
