"""Sesame's HTTP API. Routes unpack the request, call chalicelib, return a Response.

Each auth route is wrapped by ``web.audited``: one audit event per attempt,
and every failure answered in the JSON error format.
"""

from __future__ import annotations

import os
from typing import Any

from chalice import Blueprint, Chalice, Rate, Response
from chalice.app import Request

from chalicelib import cookies, errors, openapi, pages, sessions, stepup, web
from chalicelib.account import selfservice, signups
from chalicelib.approvals.routes import blueprint as approval_routes
from chalicelib.oauth.routes import blueprint as oauth_routes
from chalicelib.passkeys import flows as passkeys
from chalicelib.sessions import devices
from chalicelib.signin import flow as signin
from sesame_verify.headers import cookie
from triggers import handlers

app = Chalice(app_name="sesame")
ANY = web.ANY_CONTENT_TYPE

# The Cognito triggers, declared through a blueprint named after their module:
# Chalice then makes each handler triggers.handlers.<name>, so a trigger's
# cold start never imports this module (the API) or Chalice.
_triggers = Blueprint(handlers.__name__)
for _name in handlers.NAMES:
    _triggers.lambda_function(name=_name)(getattr(handlers, _name))
app.register_blueprint(_triggers)
app.register_blueprint(oauth_routes)  # /oauth/* and /.well-known/*: Sesame as an OAuth 2.1 server
app.register_blueprint(approval_routes)  # /device, /auth/approvals/*, /auth/sign-in/phone*: approving from elsewhere

if os.environ.get("SESAME_DEV_MAILBOX") == "1":  # the local stage only
    from devstack.mailbox import blueprint as dev_mailbox

    app.register_blueprint(dev_mailbox)


def _request() -> Request:
    request = app.current_request
    assert request is not None  # Chalice sets it before calling a route
    return request


def _bodiless() -> Request:
    """The request of a route that reads no body field, after the checks every POST or DELETE
    passes (origin, size, JSON type; an empty body is allowed)."""
    request = _request()
    web.json_body(request, allow_empty=True)
    return request


def _signed_in(result: signin.SignedIn) -> Response:
    body = {"user": result.session.user, "redirect": result.redirect}
    return web.respond(200, body, cookies=result.cookies + cookies.clear(cookies.FLOW, cookies.ID))


@app.route("/auth/health", methods=["GET"], content_types=ANY)
def health() -> Response:
    return web.respond(200, {"status": "ok"})


@app.route("/auth/sign-in", methods=["POST"], content_types=ANY)
@web.audited(app, "sign_in.requested", "sign_in.request_failed", method="email")
def sign_in() -> Response:
    request = _request()
    body = web.json_body(request)
    challenge_id = signin.request_sign_in(web.string_field(body, "email") or "",
                                          web.string_field(body, "redirect", required=False),
                                          web.source_ip(request),
                                          web.locale(request, web.string_field(body, "locale", required=False)),
                                          device_cookie=cookie(request.headers, devices.COOKIE))
    return web.respond(202, {"status": "sent"}, cookies=[cookies.flow(challenge_id)])


@app.route("/auth/sign-in/code", methods=["POST"], content_types=ANY)
@web.audited(app, "sign_in.code_verified", "sign_in.failed", method="code")
def sign_in_code() -> Response:
    request = _request()
    code = web.string_field(web.json_body(request), "code") or ""
    return _signed_in(signin.redeem_code(cookie(request.headers, cookies.FLOW), code, web.client(request)))


@app.route("/auth/sign-in/link", methods=["POST"], content_types=ANY)
@web.audited(app, "sign_in.link_verified", "sign_in.failed", method="link")
def sign_in_link() -> Response:
    request = _request()
    token = web.string_field(web.json_body(request), "token") or ""
    return _signed_in(signin.redeem_link(token, web.client(request)))


@app.route("/auth/sign-in/link/preview", methods=["POST"], content_types=ANY)
@web.audited(app, "sign_in.link_previewed", "sign_in.link_preview_failed", method="link")
def sign_in_link_preview() -> Response:
    request = _request()
    token = web.string_field(web.json_body(request), "token") or ""
    return web.respond(200, {"email": signin.preview_link(token, web.source_ip(request))})


@app.route("/auth/openapi.json", methods=["GET"], content_types=ANY)
def openapi_document() -> Response:
    """The API described (docs/openapi.yaml is the same document)."""
    return web.respond(200, openapi.document())


@app.route("/auth/config", methods=["GET"], content_types=ANY)
def public_config() -> Response:
    """What the pages need to know: the resend cooldown is the server's own limit."""
    return web.respond(200, pages.public_config())


@app.route("/auth/session", methods=["GET"], content_types=ANY)
@web.audited(app, "session.checked", "session.check_failed", method="session")
def session() -> Response:
    return web.respond(200, sessions.current(_request().headers).body())


@app.route("/auth/refresh", methods=["POST"], content_types=ANY)
@web.audited(app, "session.refreshed", "session.refresh_failed", method="session")
def refresh() -> Response:
    request = _bodiless()
    try:
        renewed = sessions.refresh(request.headers)
    except errors.Unauthenticated as exc:
        return web.error(exc, cookies=sessions.cleared())
    return web.respond(200, {"expires_at": sessions.iso(renewed.expires_at)}, cookies=renewed.cookies)


@app.route("/auth/sign-out", methods=["POST"], content_types=ANY)
@web.audited(app, "session.signed_out", "session.sign_out_failed", method="session", failure_cookies=sessions.cleared)
def sign_out() -> Response:
    request = _request()
    body = web.json_body(request, allow_empty=True)
    query: dict[str, str] = dict(request.query_params or {})
    everywhere = query.get("everywhere") == "1" or body.get("everywhere") is True
    if sessions.sign_out(request.headers, everywhere):
        return web.respond(204, cookies=sessions.cleared())
    return web.respond(200, {"status": "nothing_to_revoke"}, cookies=sessions.cleared())


@app.route("/auth/sessions", methods=["GET"], content_types=ANY)
@web.audited(app, "sessions.listed", "sessions.list_failed", method="session")
def list_sessions() -> Response:
    return web.respond(200, {"sessions": sessions.listing(_request().headers)})


@app.route("/auth/sessions/{session_id}", methods=["DELETE"], content_types=ANY)
@web.audited(app, "session.ended", "session.end_failed", method="session")
def end_session(session_id: str) -> Response:
    request = _bodiless()
    sessions.end_one(request.headers, session_id)
    return web.respond(204)


@app.route("/auth/sessions", methods=["DELETE"], content_types=ANY)
@web.audited(app, "sessions.others_ended", "sessions.end_failed", method="session")
def end_other_sessions() -> Response:
    request = _bodiless()
    sessions.end_others(request.headers)
    return web.respond(204)


@app.route("/auth/passkeys/registration-options", methods=["POST"], content_types=ANY)
@web.audited(app, "passkey.registration_options", "passkey.registration_options_failed", method="passkey")
def passkey_registration_options() -> Response:
    request = _bodiless()
    body, jar = passkeys.registration_options(request.headers)
    return web.respond(200, body, cookies=jar)


@app.route("/auth/passkeys", methods=["POST"], content_types=ANY)
@web.audited(app, "passkey.added", "passkey.add_failed", method="passkey")
def add_passkey() -> Response:
    request = _request()
    return web.respond(201, passkeys.register(request.headers, web.json_body(request), web.client(request)))


@app.route("/auth/passkeys", methods=["GET"], content_types=ANY)
@web.audited(app, "passkeys.listed", "passkeys.list_failed", method="passkey")
def list_passkeys() -> Response:
    return web.respond(200, {"passkeys": passkeys.listing(_request().headers)})


@app.route("/auth/passkeys/{passkey_id}", methods=["DELETE"], content_types=ANY)
@web.audited(app, "passkey.removed", "passkey.remove_failed", method="passkey")
def remove_passkey(passkey_id: str) -> Response:
    request = _bodiless()
    passkeys.remove(request.headers, passkey_id, web.client(request))
    return web.respond(204)


@app.route("/auth/sign-in/passkey/options", methods=["POST"], content_types=ANY)
@web.audited(app, "sign_in.passkey_options", "sign_in.passkey_options_failed", method="passkey")
def passkey_sign_in_options() -> Response:
    _bodiless()
    body, jar = passkeys.sign_in_options()
    return web.respond(200, body, cookies=jar)


@app.route("/auth/sign-in/passkey", methods=["POST"], content_types=ANY)
@web.audited(app, "sign_in.passkey_verified", "sign_in.failed", method="passkey")
def sign_in_passkey() -> Response:
    request = _request()
    return _signed_in(passkeys.sign_in(request.headers, web.json_body(request), web.client(request)))


@app.route("/auth/not-me", methods=["POST"], content_types=ANY)
@web.audited(app, "account.secured", "account.secure_failed", method="not_me")
def not_me() -> Response:
    token = web.string_field(web.json_body(_request()), "token") or ""
    return web.respond(200, sessions.secure(token).body())


@app.route("/auth/step-up", methods=["POST"], content_types=ANY)
@web.audited(app, "step_up.requested", "step_up.request_failed", method="step_up")
def step_up() -> Response:
    request = _bodiless()
    body, jar = stepup.start(request.headers, web.client(request))
    return web.respond(200, body, cookies=jar)


@app.route("/auth/step-up/code", methods=["POST"], content_types=ANY)
@web.audited(app, "step_up.code_verified", "step_up.failed", method="code")
def step_up_code() -> Response:
    request = _request()
    stepup.with_code(request.headers, web.string_field(web.json_body(request), "code") or "", web.client(request))
    return web.respond(204)


@app.route("/auth/step-up/link", methods=["POST"], content_types=ANY)
@web.audited(app, "step_up.link_verified", "step_up.failed", method="link")
def step_up_link() -> Response:
    request = _request()
    stepup.with_link(request.headers, web.string_field(web.json_body(request), "token") or "", web.client(request))
    return web.respond(204)


@app.route("/auth/step-up/passkey", methods=["POST"], content_types=ANY)
@web.audited(app, "step_up.passkey_verified", "step_up.failed", method="passkey")
def step_up_passkey() -> Response:
    request = _request()
    jar = stepup.with_passkey(request.headers, web.json_body(request).get("credential"), web.client(request))
    return web.respond(204, cookies=jar)


@app.route("/auth/account/email", methods=["POST"], content_types=ANY)
@web.audited(app, "account.email_change_requested", "account.email_change_failed", method="email")
def change_email() -> Response:
    request = _request()
    email = web.string_field(web.json_body(request), "email") or ""
    selfservice.request(request.headers, email, web.client(request))
    return web.respond(202, {"status": "sent"})


@app.route("/auth/account/email/code", methods=["POST"], content_types=ANY)
@web.audited(app, "account.email_changed", "account.email_change_failed", method="code")
def change_email_code() -> Response:
    request = _request()
    code = web.string_field(web.json_body(request), "code") or ""
    return web.respond(200, {"email": selfservice.with_code(request.headers, code, web.client(request))})


@app.route("/auth/account/email/link", methods=["POST"], content_types=ANY)
@web.audited(app, "account.email_changed", "account.email_change_failed", method="link")
def change_email_link() -> Response:
    request = _request()
    token = web.string_field(web.json_body(request), "token") or ""
    return web.respond(200, {"email": selfservice.with_link(token, web.client(request))})


@app.route("/auth/account", methods=["DELETE"], content_types=ANY)
@web.audited(app, "account.deleted", "account.delete_failed", method="session")
def delete_account() -> Response:
    request = _bodiless()
    selfservice.delete(request.headers, web.client(request))
    return web.respond(204, cookies=sessions.cleared())


@app.route("/", methods=["GET"], content_types=ANY)
def index() -> Response:
    return pages.page("index.html", locale=web.locale(_request()))


@app.route("/sign-in/link", methods=["GET", "HEAD"], content_types=ANY)
def link_page() -> Response:
    # Loading this page consumes nothing: it asks for a click, then POSTs.
    request = _request()
    return pages.page("link.html", head=request.method == "HEAD", locale=web.locale(request))


@app.route("/not-me", methods=["GET", "HEAD"], content_types=ANY)
def not_me_page() -> Response:
    # Loading this page changes nothing: it asks for a click, then POSTs.
    request = _request()
    return pages.page("not-me.html", head=request.method == "HEAD", locale=web.locale(request))


@app.route("/step-up", methods=["GET", "HEAD"], content_types=ANY)
def step_up_page() -> Response:
    # Like the sign-in link's page: loading it changes nothing, a click confirms.
    request = _request()
    return pages.page("confirm.html", head=request.method == "HEAD", locale=web.locale(request), purpose="step_up")


@app.route("/account/email", methods=["GET", "HEAD"], content_types=ANY)
def change_email_page() -> Response:
    request = _request()
    return pages.page("confirm.html", head=request.method == "HEAD", locale=web.locale(request),
                      purpose="address_change")


@app.route("/static/{name}", methods=["GET"], content_types=ANY)
def static(name: str) -> Response:
    try:
        return pages.asset(name)
    except errors.NotFound as exc:
        return web.error(exc)


@app.schedule(Rate(1, unit=Rate.HOURS), name="remove_unproven")
def remove_unproven(event: Any) -> dict[str, int]:
    """Remove sign-ups whose address was never proven (marked, older than 24 h)."""
    return {"removed": signups.remove_leftovers()}
