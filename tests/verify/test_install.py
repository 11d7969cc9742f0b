"""The install commands of verify/README.md, run as written (this checkout in place of
the Git host) in clean virtualenvs; then each extra imports and a token verifies."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "verify" / "README.md"
PLACEHOLDER = "git+https://github.com/YOUR-ORG/sesame.git"
CHECK = r"""
import importlib, importlib.util, sys, time
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
import sesame_verify
from sesame_verify import CognitoJwtVerifier, SignatureError

for extra in sys.argv[1:]:
    importlib.import_module(f"sesame_verify.{extra}_auth")
if not sys.argv[1:]:
    assert importlib.util.find_spec("boto3") is None, "boto3 must not be installed"
    assert importlib.util.find_spec("chalice") is None, "chalice must not be installed"
key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
jwk = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True) | {"kid": "k", "use": "sig"}
pool = "eu-west-1_Install1"
now = int(time.time())
claims = {"sub": "s", "iss": f"https://cognito-idp.eu-west-1.amazonaws.com/{pool}", "token_use": "access",
          "client_id": "c", "iat": now, "exp": now + 60}
token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k"})
verifier = CognitoJwtVerifier(pool, "c", "access", jwks={"keys": [jwk]})
assert verifier.verify(token)["sub"] == "s"
try:
    verifier.verify(token[:-4] + "AAAA")
except SignatureError:
    print("verified", sesame_verify.__version__, sesame_verify.__file__)
"""


def install_lines() -> list[str]:
    """The shell lines of the README's Install section, in order."""
    section = README.read_text().split("## Install", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.S)
    return [line.split("  #")[0].strip() for block in blocks for line in block.splitlines() if line.strip()]


def run(command: str, venv: Path) -> str:
    env = {**os.environ, "PATH": f"{venv / 'bin'}:{os.environ['PATH']}", "VIRTUAL_ENV": str(venv),
           "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    done = subprocess.run(["bash", "-c", command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def committed() -> bool:
    status = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "verify"],
                            capture_output=True, text=True)
    return status.returncode == 0 and status.stdout.strip() == ""


def fresh_venv(tmp_path: Path) -> Path:
    """A clean virtualenv of this Python: pip and setuptools, nothing else (as venv makes on 3.11).
    Made by virtualenv, which copies pip from its unpacked seed cache, where venv's ensurepip
    installs and compiles pip afresh: about 1 s of CPU instead of 5. No periodic update, so
    virtualenv never goes to the network."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "virtualenv", "--quiet", "--no-periodic-update", str(venv)], check=True,
                   timeout=300)
    return venv


def test_the_readme_gives_git_and_wheel_installs_with_every_extra() -> None:
    lines = install_lines()
    extras = {m for line in lines for m in re.findall(r"\[(\w+)\]", line)}
    assert extras == {"fastapi", "flask", "chalice"}
    assert any(PLACEHOLDER in line and "#subdirectory=verify" in line for line in lines)
    assert "make dist" in lines
    assert not any(re.search(r"pip install \"?sesame-verify(\[\w+\])?\"?$", line) for line in lines), \
        "never a bare name: it invites a squatter"


@contextlib.contextmanager
def one_build_at_a_time() -> Iterator[None]:
    """make dist writes dist/ and verify/build in the checkout: pytest-xdist workers take turns."""
    with (ROOT / "Makefile").open() as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


@pytest.mark.parametrize("line", [line for line in install_lines() if line.startswith("pip install")])
def test_each_readme_install_command_works_in_a_clean_venv(line: str, tmp_path: Path) -> None:
    if PLACEHOLDER in line and not committed():
        pytest.fail("commit verify/ before running the git install test: a git URL installs what is committed")
    venv = fresh_venv(tmp_path)
    command = line.replace(PLACEHOLDER, f"git+file://localhost{ROOT}")
    if "dist/" in line:
        with one_build_at_a_time():  # the wheel it installs is the one it built
            run("make dist", venv)
            run(command, venv)
    else:
        run(command, venv)  # pip clones and builds in a directory of its own: no turn to wait for
    extra = re.search(r"\[(\w+)\]", line)
    out = run(f"python -c '{CHECK}' {extra.group(1) if extra else ''}", venv)
    assert "verified" in out and "site-packages" in out


def test_the_core_alone_needs_no_aws_sdk_and_no_framework(tmp_path: Path) -> None:
    if not committed():
        pytest.fail("commit verify/ before running the git install test")
    venv = fresh_venv(tmp_path)
    run(f'pip install --quiet "sesame-verify @ git+file://localhost{ROOT}#subdirectory=verify"', venv)
    assert "verified" in run(f"python -c '{CHECK}'", venv)
    installed = run("pip list --format=freeze", venv).lower()
    assert "boto3" not in installed and "chalice" not in installed


def test_make_dist_builds_the_versioned_wheel() -> None:
    from sesame_verify import __version__

    venv = Path(sys.executable).parent.parent
    with one_build_at_a_time():
        out = run("make dist", venv)
    assert f"dist/sesame_verify-{__version__}-py3-none-any.whl" in out
