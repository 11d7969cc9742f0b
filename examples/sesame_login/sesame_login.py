#!/usr/bin/env python3
"""sesame-login: sign a command-line tool in to Sesame with the device grant (RFC 8628).

    sesame-login --url https://auth.example.com --client-id sc_...

It asks Sesame for a code, prints where to enter it (and a QR code of that
link, when ``segno`` is installed) and the number to pick there, then polls
the token endpoint until the person approves from a browser where they are
signed in. The tokens go to ``$XDG_CONFIG_HOME/sesame/tokens.json`` (else
``~/.config/sesame/``), readable by the user alone (0600).

The standard library only, plus ``segno`` for the QR code if it is there.
Exit status: 0 signed in, 2 denied, 3 expired, 1 anything else.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

GRANT = "urn:ietf:params:oauth:grant-type:device_code"
SLOW_DOWN_STEP = 5  # RFC 8628 §3.5: every slow_down adds five seconds, for good


class LoginError(Exception):
    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


def _call(url: str, form: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    request = urllib.request.Request(url, data=data, headers={"Accept": "application/json"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - the operator's URL
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def discover(base: str) -> dict[str, Any]:
    status, document = _call(f"{base.rstrip('/')}/.well-known/oauth-authorization-server")
    if status != 200 or "device_authorization_endpoint" not in document:
        raise LoginError(f"{base} does not offer the device grant (discovery answered {status})")
    return document


def show(answer: dict[str, Any], out: Any) -> None:
    """What the person needs: where to go, the code, and the number to pick."""
    print(f"To sign in, open {answer['verification_uri']} and enter the code {answer['user_code']}", file=out)
    try:
        import segno
    except ImportError:
        print(f"(or open {answer['verification_uri_complete']})", file=out)
    else:
        print("or scan this with a phone where you are signed in:", file=out)
        segno.make(answer["verification_uri_complete"], error="m").terminal(out=out, compact=True)
    if answer.get("match_number"):
        print(f"Then pick the number {answer['match_number']}.", file=out)
    out.flush()


def poll(token_endpoint: str, client_id: str, answer: dict[str, Any]) -> dict[str, Any]:
    """The token response, once the request is approved; LoginError when it cannot be."""
    interval = int(answer.get("interval", 5))
    deadline = time.monotonic() + int(answer["expires_in"])
    form = {"grant_type": GRANT, "device_code": answer["device_code"], "client_id": client_id}
    while time.monotonic() < deadline:
        time.sleep(interval)
        status, body = _call(token_endpoint, form)
        if status == 200:
            return body
        error = body.get("error", "")
        if error == "authorization_pending":
            continue
        if error == "slow_down":
            interval += SLOW_DOWN_STEP
        elif error == "access_denied":
            raise LoginError("The sign-in was denied.", 2)
        elif error == "expired_token":
            raise LoginError("The code expired before it was approved. Run sesame-login again.", 3)
        else:
            raise LoginError(f"Sesame refused: {error or status} {body.get('error_description', '')}".strip())
    raise LoginError("The code expired before it was approved. Run sesame-login again.", 3)


def config_dir() -> Path:
    root = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(root) / "sesame"


def save(tokens: dict[str, Any], directory: Path) -> Path:
    """Write the tokens for the user alone: the directory 0700, the file 0600 from its creation."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = directory / "tokens.json"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # an older file keeps its mode through O_CREAT: set it anyway
    with os.fdopen(descriptor, "w") as file:
        json.dump({**tokens, "obtained_at": int(time.time())}, file)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sesame-login", description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="Sesame's URL (its discovery document is there)")
    parser.add_argument("--client-id", required=True, help="this tool's client id (sesame-admin client add --device)")
    parser.add_argument("--scope", default="openid email")
    parser.add_argument("--config-dir", type=Path, default=None, help="where tokens.json goes")
    args = parser.parse_args(argv)
    try:
        document = discover(args.url)
        status, answer = _call(document["device_authorization_endpoint"],
                               {"client_id": args.client_id, "scope": args.scope})
        if status != 200:
            raise LoginError(f"Sesame refused: {answer.get('error', status)} {answer.get('error_description', '')}")
        show(answer, sys.stdout)
        tokens = poll(document["token_endpoint"], args.client_id, answer)
    except LoginError as error:
        print(error, file=sys.stderr)
        return error.status
    path = save(tokens, args.config_dir or config_dir())
    print(f"Signed in. Tokens saved to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
