"""A service installs sesame_verify on its own: no boto3, no chalice."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHECK = r"""
import importlib.util, json, time
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
import sesame_verify
from sesame_verify import CognitoJwtVerifier, SignatureError

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
    print("verified", sesame_verify.__file__)
"""


def run(*args: str | Path) -> str:
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("clean") / "venv"
    run(sys.executable, "-m", "venv", path)
    return path


def committed() -> bool:
    status = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "verify", "pyproject.toml"],
                            capture_output=True, text=True)
    return status.returncode == 0 and status.stdout.strip() == ""


@pytest.mark.parametrize("source", ["path", "subdirectory", "git", "git-subdirectory"])
def test_clean_install_verifies_a_token(venv: Path, source: str) -> None:
    if source.startswith("git") and not committed():
        # A git URL installs what is committed; CI's clean clone always is.
        pytest.fail("commit verify/ and pyproject.toml before running the git install test")
    target = {"path": str(ROOT), "subdirectory": str(ROOT / "verify"),
              "git": f"git+file://{ROOT}", "git-subdirectory": f"git+file://{ROOT}#subdirectory=verify"}[source]
    pip = venv / "bin" / "pip"
    run(pip, "uninstall", "--yes", "--quiet", "sesame-verify")
    run(pip, "install", "--quiet", "--disable-pip-version-check", target)
    out = run(venv / "bin" / "python", "-c", CHECK)
    assert "verified" in out and "site-packages" in out
    installed = run(pip, "list", "--format=freeze").lower()
    assert "boto3" not in installed and "chalice" not in installed
