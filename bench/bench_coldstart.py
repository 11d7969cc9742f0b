"""Cold start: import CPU time of the app and of each trigger, in fresh processes
(CPU time, not wall time: a cold import is CPU-bound, and CPU time is steadier
on a shared machine),
against a bare `import boto3` measured in the same run (interleaved), on the
Python the package is built for (3.12, `make deploy-env`).

Everything is imported from the deployment package itself (`make package
STAGE=dev`: the zip `chalice deploy` uploads), unzipped, with no
site-packages on the path: what Lambda loads. A trigger's cold start is its
handler module (triggers.handlers) plus its trigger. Also reports the zip's size.

Targets: app at most 1.5x boto3, each trigger at most 1.3x. Figures, not pass/fail.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 15
MODULES = {"boto3 (baseline)": "boto3", "app": "app",
           "define_auth_challenge": "triggers.handlers, triggers.define_auth_challenge",
           "create_auth_challenge": "triggers.handlers, triggers.create_auth_challenge",
           "verify_auth_challenge": "triggers.handlers, triggers.verify_auth_challenge"}
TARGETS = {"app": 1.5}


def environment() -> dict[str, str]:
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    env = {"PATH": "/usr/bin:/bin", **config["environment_variables"],
           **config["stages"]["dev"]["environment_variables"]}
    env.update(AWS_DEFAULT_REGION="eu-west-1", PYTHONDONTWRITEBYTECODE="1")
    return env


def import_seconds(module: str, env: dict[str, str], task: Path) -> float:
    code = (f"import sys, time; sys.path.insert(0, {str(task)!r}); t = time.process_time(); import {module}; "
            "print(time.process_time() - t)")
    # The deploy virtualenv's Python: the runtime the package is built for.
    done = subprocess.run([str(ROOT / ".venv-deploy" / "bin" / "python"), "-S", "-c", code], capture_output=True,
                          text=True, env=env, cwd=task, check=True)
    return float(done.stdout.strip())


def build_package() -> Path:
    subprocess.run(["make", "package", "STAGE=dev"], cwd=ROOT, check=True, capture_output=True)
    return ROOT / "build" / "dev" / "out" / "deployment.zip"


def main() -> None:
    env = environment()
    archive = build_package()
    task = Path(tempfile.mkdtemp(prefix="sesame-task-"))
    with zipfile.ZipFile(archive) as package:
        package.extractall(task)
    for module in MODULES.values():  # warm the OS file cache once
        import_seconds(module, env, task)
    times: dict[str, list[float]] = {name: [] for name in MODULES}
    for i in range(RUNS):
        names = list(MODULES)
        for name in names[i % len(names):] + names[: i % len(names)]:
            times[name].append(import_seconds(MODULES[name], env, task))
    base = statistics.median(times["boto3 (baseline)"])
    print(f"import time, median of {RUNS} fresh processes each:")
    for name, values in times.items():
        ratio = statistics.median(values) / base
        target = TARGETS.get(name, 1.3 if name != "boto3 (baseline)" else None)
        verdict = "" if target is None else f"  (target <= {target}x: {'met' if ratio <= target else 'NOT met'})"
        print(f"  {name:24s} {statistics.median(values) * 1000:7.1f} ms  {ratio:4.2f}x{verdict}")
    print(f"deployment zip (dev): {archive.stat().st_size / 1e6:.1f} MB")
    shutil.rmtree(task)


if __name__ == "__main__":
    main()
