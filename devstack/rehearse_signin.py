"""The rehearsal's sign-ins, through what is shipped.

Requests go through the custom domain's base path mapping and the imported REST API
(``devstack.gateway``) into the deployed functions, each run from the package the embedded
Lambda holds, on Python 3.12, with its configured environment and its role's credentials
(``devstack.runtime``); Cognito invokes the triggers the pool names, the same way. Through it:
a sign-in by code, a refresh, a sign-out, a sign-in by link, and a sign-in whose Verify trigger
overruns Cognito's 5 s once, so that Cognito retries it (devstack.lambdas).

A dependency the package lacks, a setting only the local stage has, or a permission a role
lacks makes one of them fail: the problem names the step, the answer, and the functions'
errors. The sign-ins assume what an operator does on AWS before the first one: the sender's
DKIM records published, and (in the SES sandbox) the test recipients' domain verified.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from urllib.parse import urlsplit

from chalicelib import aws
from devstack import custom_auth, lambdas, mailbox, runtime, ses
from devstack.browser import Browser, Reply
from devstack.gateway import Gateway
from infra.settings import DEPLOY_BIN
from infra.template import sender_domain

RECIPIENTS = "rehearsal.example.com"
TRIGGERS = ("DefineAuthChallenge", "CreateAuthChallenge", "VerifyAuthChallengeResponse")


class Failed(Exception):
    pass


class Served:
    """The deployed stage, served: its functions running and its API answering at ``url``."""

    def __init__(self, endpoint: str, region: str, ids: dict[str, str], env: dict[str, str]):
        self.region = region
        self.public = env["SESAME_PUBLIC_URL"].rstrip("/")
        pool = aws.client("cognito-idp").describe_user_pool(UserPoolId=ids["SESAME_USER_POOL_ID"])["UserPool"]
        self.triggers = {t: pool.get("LambdaConfig", {}).get(t, "") for t in TRIGGERS}
        names = {arn.rsplit(":", 1)[-1] for arn in self.triggers.values() if arn}
        offline = {"AWS_ENDPOINT_URL": endpoint,
                   "SESAME_JWKS_URI": f"{endpoint}/{ids['SESAME_USER_POOL_ID']}/.well-known/jwks.json"}
        self.functions: dict[str, runtime.Function] = {}  # filled below: the gateway reads it per request
        self.gateway = Gateway(urlsplit(self.public).hostname or "", self.functions)
        for route in self.gateway.api.routes:
            names.update(route.methods.values())
        for name in sorted(names):
            self.functions[name] = runtime.Function(name, str(DEPLOY_BIN / "python"), offline)
            self.functions[name].warm()
        for arn in self.triggers.values():
            if arn:
                custom_auth.register_lambda(arn, self.functions[arn.rsplit(":", 1)[-1]])

    def browser(self) -> Browser:
        found = Browser(self.gateway.url, self.public)
        found.session.headers["Host"] = urlsplit(self.public).netloc
        return found

    def why(self) -> str:
        """What went wrong in the functions since the last call: failed invocations, and logged errors."""
        found = [error for function in self.functions.values() for error in function.take_errors()]
        return "; ".join(found) or "no function error"

    def stop(self) -> None:
        self.gateway.shutdown()
        for function in self.functions.values():
            function.stop()


@contextlib.contextmanager
def served(endpoint: str, region: str, ids: dict[str, str], env: dict[str, str]) -> Iterator[Served]:
    found = Served(endpoint, region, ids, env)
    try:
        yield found
    finally:
        found.stop()


def prepare(ids: dict[str, str], env: dict[str, str], region: str) -> list[str]:
    """What an operator does before the first sign-in: the sender verified, recipients allowed
    in the sandbox, and (when sign-up is closed) the accounts created. The addresses to use."""
    from moto.backends import get_backend

    from devstack.bootstrap import ACCOUNT_ID

    backend = get_backend("ses")[ACCOUNT_ID][region]
    with contextlib.suppress(aws.client("sesv2").exceptions.AlreadyExistsException):  # a second run
        aws.client("sesv2").create_email_identity(EmailIdentity=RECIPIENTS)
    for identity in (sender_domain(env), RECIPIENTS):
        ses.verify(backend, identity)
    addresses = [f"{purpose}-{secrets.token_hex(3)}@{RECIPIENTS}" for purpose in ("code", "link", "retry")]
    if env.get("SESAME_SIGN_UP") != "open":
        idp = aws.client("cognito-idp")
        for address in addresses:  # as `sesame-admin invite` does
            idp.admin_create_user(UserPoolId=ids["SESAME_USER_POOL_ID"], Username=address, MessageAction="SUPPRESS",
                                  UserAttributes=[{"Name": "email", "Value": address},
                                                  {"Name": "email_verified", "Value": "true"}])
            idp.admin_set_user_password(UserPoolId=ids["SESAME_USER_POOL_ID"], Username=address, Permanent=True,
                                        Password=secrets.token_urlsafe(24) + "aA1!")
    return addresses


def _expect(served: Served, step: str, reply: Reply, status: int) -> Reply:
    if reply.status != status:
        raise Failed(f"{step}: answered {reply.status}, expected {status}: {reply.text[:300]} ({served.why()})")
    return reply


def _request_email(served: Served, browser: Browser, address: str, step: str) -> tuple[str, str]:
    _expect(served, f"{step}: POST /auth/sign-in", browser.post("/auth/sign-in", {"email": address}), 202)
    sent = mailbox.messages(to=address, region=served.region)
    if not sent:
        raise Failed(f"{step}: no email reached {address} ({served.why()})")
    return mailbox.code_and_token(sent[0])


def by_code(served: Served, address: str) -> None:
    """Sign in by code, refresh, sign out; then the session is gone."""
    browser = served.browser()
    code, _ = _request_email(served, browser, address, "sign-in by code")
    _expect(served, "sign-in by code: POST /auth/sign-in/code", browser.post("/auth/sign-in/code", {"code": code}), 200)
    _expect(served, "sign-in by code: GET /auth/session", browser.get("/auth/session"), 200)
    _expect(served, "refresh: POST /auth/refresh", browser.post("/auth/refresh"), 200)
    _expect(served, "sign-out: POST /auth/sign-out", browser.post("/auth/sign-out"), 204)
    _expect(served, "after sign-out: GET /auth/session", browser.get("/auth/session"), 401)


def by_link(served: Served, address: str) -> None:
    """Ask on one device, open the link on another."""
    _, token = _request_email(served, served.browser(), address, "sign-in by link")
    other = served.browser()
    _expect(served, "sign-in by link: POST /auth/sign-in/link", other.post("/auth/sign-in/link", {"token": token}), 200)
    _expect(served, "sign-in by link: GET /auth/session", other.get("/auth/session"), 200)


def through_a_retry(served: Served, address: str) -> None:
    """The Verify trigger answers after Cognito's deadline once: Cognito retries, and the sign-in holds."""
    browser = served.browser()
    code, _ = _request_email(served, browser, address, "trigger retry")
    verify = served.functions[served.triggers["VerifyAuthChallengeResponse"].rsplit(":", 1)[-1]]
    before = verify.invocations
    lambdas.inject(served.triggers["VerifyAuthChallengeResponse"], lambdas.Fault("slow", lambdas.DEADLINE_SECONDS + 1))
    _expect(served, "trigger retry: POST /auth/sign-in/code", browser.post("/auth/sign-in/code", {"code": code}), 200)
    calls = verify.invocations - before
    if calls < 2:
        raise Failed(f"trigger retry: Cognito invoked {verify.name} {calls} time(s), expected a retry")


def sign_ins(served: Served, addresses: list[str]) -> list[str]:
    """Each flow in turn; the first failure of each, as a problem."""
    problems = []
    for flow, address in zip((by_code, by_link, through_a_retry), addresses, strict=True):
        try:
            flow(served, address)
        except Failed as exc:
            problems.append(str(exc))
        finally:
            lambdas.clear_faults()
    return problems
