"""The approval routes, as a Chalice blueprint (``app.py`` registers it).

``/auth/approvals/*`` is the approver's (a signed-in browser: the code's
review, then the decision); ``/auth/sign-in/phone*`` is the waiting browser's;
``/device`` is the page where both meet.
"""

from __future__ import annotations

import re

from chalice import Blueprint, Response
from chalice.app import Request

from chalicelib import errors, pages, sessions, web
from chalicelib.approvals import browser, review
from sesame_verify.headers import cookie

blueprint = Blueprint(__name__)
ANY = web.ANY_CONTENT_TYPE
NUMBER = re.compile(r"[0-9]{2}")


def _current() -> Request:
    request = blueprint.current_request
    assert request is not None
    return request


def _typed_code(request: Request) -> tuple[dict[str, object], str]:
    body = web.json_body(request)
    return body, web.string_field(body, "code") or ""


@blueprint.route("/auth/approvals/lookup", methods=["POST"], content_types=ANY)
@web.audited(blueprint, "approval.looked_up", "approval.lookup_failed", method="approval")
def lookup() -> Response:
    request = _current()
    _, code = _typed_code(request)
    sessions.current(request.headers)  # only a signed-in browser reviews a request
    return web.respond(200, review.look(code, web.source_ip(request), web.locale(request)))


@blueprint.route("/auth/approvals/decide", methods=["POST"], content_types=ANY)
@web.audited(blueprint, "approval.decided", "approval.decide_failed", method="approval")
def decide() -> Response:
    request = _current()
    body, code = _typed_code(request)
    number = web.string_field(body, "number", required=False)  # none: deny
    if number is not None and not NUMBER.fullmatch(number):
        raise errors.InvalidRequest("Field 'number' must be one of the two-digit numbers shown.")
    approver = sessions.current(request.headers).record
    return web.respond(200, review.decide(code, number, approver, web.source_ip(request), web.locale(request)))


@blueprint.route("/auth/sign-in/phone", methods=["POST"], content_types=ANY)
@web.audited(blueprint, "approval.requested", "approval.request_failed", method="approval")
def phone_start() -> Response:
    request = _current()
    web.json_body(request, allow_empty=True)
    body, jar = browser.start(web.client(request))
    return web.respond(201, body, cookies=jar)


@blueprint.route("/auth/sign-in/phone/status", methods=["POST"], content_types=ANY)
@web.audited(blueprint, "approval.polled", "approval.poll_failed", method="approval")
def phone_status() -> Response:
    request = _current()
    web.json_body(request, allow_empty=True)
    body, jar = browser.status(cookie(request.headers, browser.COOKIE), web.client(request))
    return web.respond(200, body, cookies=jar)


@blueprint.route("/device", methods=["GET", "HEAD"], content_types=ANY)
def device_page() -> Response:
    # Loading this page changes nothing: the code is looked up, and decided, by POSTs.
    request = _current()
    return pages.page("device.html", head=request.method == "HEAD", locale=web.locale(request))
