"""``sesame-admin``: the account lifecycle from a terminal.

    sesame-admin --stage local invite ada@example.com --send
    sesame-admin --stage prod --json list --disabled --limit 20
    sesame-admin --stage prod client add --name Orders --redirect-uri https://orders.example.com/callback
    sesame-admin --stage prod client add --name "Orders CLI" --public --device
    sesame-admin --stage local env          # what a service needs to verify the stage's tokens

``--stage local`` talks to a running ``make dev`` (its embedded AWS, found
through the state file it writes); other stages use the caller's AWS
credentials and the stage's resources. Errors are one line and a non-zero
exit (2 for bad input or an unknown account, 1 for an AWS failure); the
audit events go to stderr, the answer to stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import os
import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
STATE = ROOT / ".devstack" / "local.json"


def state_path() -> Path:
    return Path(os.environ.get("SESAME_DEVSTACK_STATE") or STATE)


def _use_stage(stage: str) -> str:
    """Point this process at the stage; returns the caller's identity for the audit log."""
    from infra.settings import chalice_config, stage_environment

    if stage not in chalice_config()["stages"]:
        raise ValueError(f"unknown stage {stage!r}")
    if stage == "local":
        state = _local_state(state_path())
        if state is None:
            raise ValueError("no local stack is running: start one with `make dev`")
        os.environ.update(state["env"])
        return "local"
    os.environ.update(stage_environment(stage))
    import boto3

    return str(boto3.client("sts").get_caller_identity()["Arn"])


def _local_state(path: Path) -> dict[str, Any] | None:
    """The running local stack's state, or None: no file, or one a killed stack left (its process is gone)."""
    try:
        state = json.loads(path.read_text())
        os.kill(int(state["pid"]), 0)  # signal 0: only asks whether the process exists
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return dict(state)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # one line, as every other refusal of this command
        self.exit(2, f"sesame-admin: {message} (--help for usage)\n")


def _global_options(parser: argparse.ArgumentParser, top: bool) -> None:
    """``--stage`` and ``--json``, accepted before or after the command (``list --json --stage local``):
    on a command they default to SUPPRESS, so they override the top level's only when given."""
    stage, flag = (os.environ.get("SESAME_STAGE"), False) if top else (argparse.SUPPRESS, argparse.SUPPRESS)
    parser.add_argument("--stage", default=stage, help="local, dev, prod; default: $SESAME_STAGE")
    parser.add_argument("--json", action="store_true", default=flag, help="machine-readable output")
    parser.add_argument("--verbose", action="store_true", default=flag,
                        help="at a terminal too, the audit event as JSON (as it goes to a log)")


_COMMON = _Parser(add_help=False)
_global_options(_COMMON, top=False)


def _sub(commands: Any, name: str, **options: Any) -> argparse.ArgumentParser:
    return commands.add_parser(name, parents=[_COMMON], **options)  # type: ignore[no-any-return]


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="sesame-admin", description="Manage Sesame accounts and apps.")
    _global_options(parser, top=True)
    commands = parser.add_subparsers(dest="command", required=True)
    invite = _sub(commands, "invite", help="create a proven account")
    invite.add_argument("email")
    invite.add_argument("--send", action="store_true", help="mail a sign-in code and link now")
    invite.add_argument("--resend", action="store_true",
                        help="mail a new invitation to an invited account that has not signed in yet")
    invite.add_argument("--locale", default="en", help="the email's language (a catalog in chalicelib/i18n/locales)")
    invite.add_argument("--from", dest="inviter", default="", metavar="NAME",
                        help="who the invitation says it is from (e.g. your name or team)")
    listing = _sub(commands, "list", help="list accounts")
    listing.add_argument("--disabled", action="store_true", help="only disabled accounts")
    listing.add_argument("--limit", type=int, default=100)
    for name, text in (("show", "status, sessions and passkeys of an account"),
                       ("disable", "end every session; no sign-in until enabled"), ("enable", "undo disable"),
                       ("delete", "end every session and delete the account"),
                       ("sign-out", "end every session of the account")):
        command = _sub(commands, name, help=text)
        command.add_argument("email")
        if name == "delete":
            command.add_argument("--yes", action="store_true", help="do not ask (needed without a terminal)")
    _app_commands(commands)
    return parser


def _app_commands(commands: Any) -> None:
    client = _sub(commands, "client", help="the apps that may use Sesame (OAuth clients)")
    actions = client.add_subparsers(dest="action", required=True)
    add = _sub(actions, "add", help="register an app; prints its client id (and its secret, once)")
    add.add_argument("--name", required=True, help="what users see in their session list")
    add.add_argument("--redirect-uri", action="append", default=[], dest="redirect_uris",
                     help="exact; http://127.0.0.1/... matches any port (repeatable; none with --device)")
    add.add_argument("--device", action="store_true",
                     help="signs in with the device grant (RFC 8628: a CLI, a TV); no redirect URI")
    kind = add.add_mutually_exclusive_group()
    kind.add_argument("--public", action="store_true", help="no secret: a CLI, native or single-page app")
    kind.add_argument("--confidential", action="store_true", help="a server-side app (the default)")
    add.add_argument("--origin", action="append", default=[], dest="origins",
                     help="a web origin the public app calls the token endpoint from (CORS; repeatable)")
    _sub(actions, "list", help="list registered apps")
    _sub(actions, "remove", help="unregister an app: its codes and refresh tokens stop working").add_argument(
        "client_id")
    _sub(commands, "env", help="what a service needs to verify this stage's tokens")


def _run(args: argparse.Namespace, caller: str) -> Any:
    from sesame_tools import apps, lifecycle

    actions: dict[str, Callable[[], Any]] = {
        "invite": lambda: lifecycle.invite(args.email, args.send, caller, args.locale, args.resend,
                                           args.inviter).summary(),
        "list": lambda: _listing(args),
        "show": lambda: lifecycle.show(args.email),
        "disable": lambda: lifecycle.disable(args.email, caller).summary(),
        "enable": lambda: lifecycle.enable(args.email, caller).summary(),
        "delete": lambda: _confirmed(args) and lifecycle.delete(args.email, caller).summary(),
        "sign-out": lambda: lifecycle.sign_out(args.email, caller).summary(),
        "env": apps.environment,
    }
    if args.command == "client":
        return _client(args, caller)
    return actions[args.command]()


def _client(args: argparse.Namespace, caller: str) -> Any:
    from sesame_tools import apps

    if args.action == "add":
        return apps.add(args.name, args.redirect_uris, args.public, args.origins, caller, args.device)
    if args.action == "remove":
        return apps.remove(args.client_id, caller)
    return apps.listing()


def _listing(args: argparse.Namespace) -> list[dict[str, Any]]:
    from sesame_tools import lifecycle

    found, more = lifecycle.listing(args.disabled, args.limit)
    if more:  # a hint for the person, on stderr: stdout stays the answer (a JSON list with --json)
        print(f"sesame-admin: more accounts than --limit {args.limit}: raise it to see them", file=sys.stderr)
    return [account.summary() for account in found]


def _confirmed(args: argparse.Namespace) -> bool:
    """``delete`` asks at a terminal; elsewhere it needs ``--yes``: nobody is there to ask."""
    from sesame_tools.lifecycle import AdminError

    if args.yes:
        return True
    if not sys.stdin.isatty():
        raise AdminError("delete needs --yes when no terminal can ask for confirmation")
    # On stderr: stdout is the answer (and may be redirected while the command runs).
    print(f"Delete {args.email} for good (every session, the account, its passkeys)? [y/N] ", end="",
          file=sys.stderr, flush=True)
    answer = sys.stdin.readline()
    if answer.strip().lower() not in ("y", "yes"):
        raise AdminError("not deleted")
    return True


def _yes_no(value: Any) -> str:
    """A value as text a person reads: yes/no, "never" for nothing, never a Python repr."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "never" if value is None else str(value)


def _print(command: str, result: Any, as_json: bool) -> None:
    if as_json:
        print(json.dumps(result, indent=2, sort_keys=True))
    elif command == "env":
        for name, value in result.items():
            print(f"export {name}={shlex.quote(value)}")
    elif command == "client":
        _print_clients(result if isinstance(result, list) else [result])
    elif command == "list":
        print(f"{'EMAIL':40s} {'STATUS':22s} {'STATE':9s} CREATED")
        for row in result:
            note = f"  ({row['note']})" if row.get("note") else ""
            print(f"{row['email']:40s} {row['status']:22s} {'enabled' if row['enabled'] else 'DISABLED':9s} "
                  f"{row['created']}{note}")
    elif command == "show":
        for key in ("email", "sub", "status", "enabled", "created", "last_sign_in"):
            print(f"{key + ':':14s}{_yes_no(result[key])}")
        print(f"{'sessions:':14s}{len(result['sessions'])}")
        for session in result["sessions"]:
            print(f"  - {session['device']} ({session['method']}), since {session['created_at']}, "
                  f"last seen {session['last_seen_at']}")
        print(f"{'passkeys:':14s}{len(result['passkeys'])}")
        for passkey in result["passkeys"]:
            used = passkey["last_used_at"] or "never"
            print(f"  - {passkey['name']}, added {passkey['created_at']}, last used {used}")
    else:
        note = f": {result['note']}" if result.get("note") else ""
        state = "" if command == "delete" else f" ({'enabled' if result['enabled'] else 'disabled'})"  # gone
        print(f"{command}: {result['email']}{state}{note}")


def _print_clients(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        if row.get("removed"):
            print(f"removed: {row['client_id']}")
            continue
        print(f"{row['client_id']}  {row['type']:12s} {row['name']}")
        for uri in row["redirect_uris"]:
            print(f"    redirect: {uri}")
        if "urn:ietf:params:oauth:grant-type:device_code" in row.get("grant_types", ()):
            print("    grant:    device (RFC 8628)")
        for origin in row["origins"]:
            print(f"    origin:   {origin}")
        if "client_secret" in row:
            print(f"    secret:   {row['client_secret']}   (shown once: store it now)")


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not args.stage:
        parser.error("which stage? --stage local|dev|prod, or SESAME_STAGE")
    sys.path.insert(0, str(ROOT))
    from botocore.exceptions import BotoCoreError, ClientError

    from chalicelib import audit
    from sesame_tools.lifecycle import AdminError

    try:
        caller = _use_stage(args.stage)

        # At a terminal, one short line per audit event; elsewhere (or with --verbose) the JSON a log keeps.
        quiet = sys.stderr.isatty() and not args.verbose
        for handler in audit.logger.handlers:  # audit events to stderr: stdout is the answer
            if hasattr(handler, "setStream"):
                handler.setStream(sys.stderr)
            if quiet:
                handler.setFormatter(logging.Formatter("sesame-admin: audit: %(message)s"))
        with contextlib.redirect_stdout(io.StringIO() if quiet else sys.stderr):  # metrics (EMF) print to stdout
            result = _run(args, caller)
    except (ValueError, AdminError) as exc:
        print(f"sesame-admin: {exc}", file=sys.stderr)
        return 2
    except (ClientError, BotoCoreError) as exc:
        code = exc.response.get("Error", {}).get("Code", "") if isinstance(exc, ClientError) else type(exc).__name__
        print(f"sesame-admin: AWS refused or failed ({code}); nothing more was done", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - one line, never a traceback
        print(f"sesame-admin: failed ({type(exc).__name__}); nothing more was done", file=sys.stderr)
        return 1
    _print(args.command, result, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
