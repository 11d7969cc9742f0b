"""The API's OpenAPI 3.1 document. ``docs/openapi.yaml`` is its dump (a test
keeps the two equal), and ``GET /auth/openapi.json`` serves it.

Every route of app.py is here and nothing else (tests/test_openapi.py), with
each body, cookie, status and error code it can answer. The dev mailbox of the
local stage is not part of the API and is left out.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from chalicelib import errors, i18n
from chalicelib.oauth import spec

JSON = "application/json"
def _with_subclasses(cls: type[errors.ApiError]) -> list[type[errors.ApiError]]:
    return [cls, *(found for sub in cls.__subclasses__() for found in _with_subclasses(sub))]


_ERRORS = _with_subclasses(errors.ApiError)
_ERROR_STATUS = {cls.code: cls.status for cls in _ERRORS}
# Every JSON route can answer these: the body checks (web.json_body) and a failing dependency.
# SES refused or throttled the route's email (chalicelib.mail.outbox).
_EMAIL_ERRORS = ("email_throttled", "email_unavailable")
_BODY_ERRORS = ("invalid_request", "forbidden_origin", "payload_too_large", "unsupported_media_type")


def _schema(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str, cookies: bool = False) -> dict[str, Any]:
    found: dict[str, Any] = {"description": description, "content": {JSON: {"schema": schema}}}
    if cookies:
        found["headers"] = {"Set-Cookie": {"$ref": "#/components/headers/SetCookie"}}
    return found


def _errors(*codes: str, cookies: bool = False) -> dict[str, Any]:
    """One response per status, each listing its error codes."""
    by_status: dict[int, list[str]] = {}
    # Any route may meet the unexpected (500 internal), a failing dependency or a busy quota.
    for code in (*codes, "unavailable", "busy", "internal"):
        by_status.setdefault(_ERROR_STATUS[code], []).append(code)
    return {str(status): _json({"allOf": [_schema("Error"), {"properties": {"error": {"properties": {
        "code": {"enum": sorted(found)}}}}}]}, ", ".join(sorted(found)), cookies)
        for status, found in sorted(by_status.items())}


def _body(properties: dict[str, Any], required: tuple[str, ...] = (), optional_body: bool = False) -> dict[str, Any]:
    schema = {"type": "object", "properties": properties, "required": list(required)}
    return {"required": not optional_body, "content": {JSON: {"schema": schema}}}


def _op(summary: str, ok: dict[str, Any], *codes: str, body: dict[str, Any] | None = None,
        cookies: tuple[str, ...] = (), json_body: bool = True, **extra: Any) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "responses": {**ok, **_errors(
        *(_BODY_ERRORS if json_body else ()), *codes, cookies=extra.pop("error_cookies", False))}}
    if body is not None:
        op["requestBody"] = body
    params = [{"name": c, "in": "cookie", "required": False, "schema": {"type": "string"}} for c in cookies]
    params += extra.pop("parameters", [])
    if params:
        op["parameters"] = params
    op.update(extra)
    return op


def _page(summary: str, head: bool = False) -> dict[str, Any]:
    ok = {"200": {"description": "The page, in the language Accept-Language asks for (English by default)",
                  "headers": {"Content-Language": {"schema": _STR}, "Vary": {"schema": _STR}},
                  "content": {"text/html": {"schema": {"type": "string"}}}}}
    found = {"get": {"summary": summary, "responses": ok}}
    if head:
        found["head"] = {"summary": f"{summary} (headers only)", "responses": {"200": {"description": "The page"}}}
    return found


_STR = {"type": "string"}
_ACCESS, _REFRESH, _FLOW, _WEBAUTHN, _DEVICE = ("__Host-sesame-access", "__Secure-sesame-refresh",
                                                 "__Host-sesame-flow", "__Host-sesame-webauthn",
                                                 "__Host-sesame-device")
_SIGNED_IN = {"200": _json(_schema("SignedIn"), "Signed in: the session's cookies are set", cookies=True)}
_NO_CONTENT = {"204": {"description": "Done", "headers": {"Set-Cookie": {"$ref": "#/components/headers/SetCookie"}}}}
_OPTIONS = {"200": _json({"type": "object", "required": ["publicKey"], "properties": {"publicKey": {
    "type": "object"}}}, "WebAuthn options for navigator.credentials", cookies=True)}


def _paths() -> dict[str, Any]:
    token = _body({"token": {**_STR, "maxLength": 4096}}, ("token",))
    credential = {"credential": {"type": "object"}}
    return {
        "/auth/health": {"get": _op("Liveness", {"200": _json(_schema("Status"), "Up")}, json_body=False)},
        "/auth/openapi.json": {"get": {"summary": "This document", "responses": {"200": _json({"type": "object"},
                                                                                               "OpenAPI 3.1")}}},
        "/auth/config": {"get": _op("What the pages need", {"200": _json(_schema("Config"), "Settings")},
                                    json_body=False)},
        "/auth/sign-in": {"post": _op(
            "Email a code and a link (the same answer whether or not the account exists)",
            {"202": _json(_schema("Status"), "Sent (or nothing to send): the flow cookie is set", cookies=True)},
            "invalid_email", "rate_limited", *_EMAIL_ERRORS,
            body=_body({"email": {**_STR, "maxLength": 320}, "redirect": {**_STR, "maxLength": 2048},
                        "locale": {**_STR, "pattern": f"^{i18n.TAG.pattern}$",
                                   "description": "The email's language (else Accept-Language's; English "
                                                  "if neither has a catalog)"}}, ("email",)))},
        "/auth/sign-in/code": {"post": _op("Sign in with the emailed code", _SIGNED_IN, "invalid_code", "rate_limited",
                                           body=_body({"code": _STR}, ("code",)), cookies=(_FLOW, _DEVICE))},
        "/auth/sign-in/link": {"post": _op("Sign in with the emailed link's token", _SIGNED_IN, "invalid_link",
                                           "rate_limited", body=token, cookies=(_DEVICE,))},
        "/auth/sign-in/link/preview": {"post": _op(
            "The masked address a link signs in, consuming nothing",
            {"200": _json({"type": "object", "required": ["email"], "properties": {"email": _STR}}, "Masked")},
            "invalid_link", "rate_limited", body=token)},
        "/auth/sign-in/passkey/options": {"post": _op("Options to sign in with a passkey", _OPTIONS,
                                                      body=_body({}, optional_body=True))},
        "/auth/sign-in/passkey": {"post": _op("Sign in with a passkey's assertion", _SIGNED_IN, "invalid_passkey",
                                              "rate_limited", body=_body(credential, ("credential",)),
                                              cookies=(_WEBAUTHN, _DEVICE))},
        "/auth/session": {"get": _op("Who is signed in", {"200": _json(_schema("Session"), "The session")},
                                     "unauthenticated", json_body=False, cookies=(_ACCESS,))},
        "/auth/refresh": {"post": _op(
            "A new access cookie from the refresh cookie",
            {"200": _json({"type": "object", "required": ["expires_at"], "properties": {
                "expires_at": {**_STR, "format": "date-time"}}}, "Refreshed", cookies=True)},
            "unauthenticated", body=_body({}, optional_body=True), cookies=(_REFRESH, _ACCESS), error_cookies=True)},
        "/auth/sign-out": {"post": _op(
            "End this session (or every session), from any one of its cookies; the cookies are cleared whatever "
            "the answer", {**_NO_CONTENT, "200": _json(_schema("Status"), "Nothing to revoke: no live session's "
                                                                          "cookie was sent", cookies=True)},
            body=_body({"everywhere": {"type": "boolean"}}, optional_body=True), cookies=(_ACCESS, _REFRESH),
            error_cookies=True,
            parameters=[{"name": "everywhere", "in": "query", "required": False, "schema": {"enum": ["1"]}}])},
        "/auth/sessions": {
            "get": _op("The caller's live sessions", {"200": _json({"type": "object", "required": ["sessions"],
                                                                   "properties": {"sessions": {"type": "array",
                                                                   "items": _schema("SessionItem")}}}, "Listed")},
                       "unauthenticated", json_body=False, cookies=(_ACCESS,)),
            "delete": _op("End every other session of the caller", _NO_CONTENT, "unauthenticated",
                          body=_body({}, optional_body=True), cookies=(_ACCESS,))},
        "/auth/sessions/{session_id}": {"delete": _op(
            "End one of the caller's sessions", _NO_CONTENT, "unauthenticated", "not_found",
            body=_body({}, optional_body=True), cookies=(_ACCESS,), parameters=[_path("session_id")])},
        "/auth/passkeys/registration-options": {"post": _op(
            "Options to add a passkey (a recent sign-in or step-up)", _OPTIONS, "unauthenticated", "reauth_required",
            body=_body({}, optional_body=True), cookies=(_ACCESS,))},
        "/auth/passkeys": {
            "post": _op("Add a passkey (and tell the account by email, best effort)",
                        {"201": _json(_schema("Passkey"), "Added")}, "unauthenticated", "reauth_required",
                        "invalid_passkey",
                        body=_body({**credential, "name": {**_STR, "maxLength": 200}}, ("credential",)),
                        cookies=(_ACCESS, _WEBAUTHN)),
            "get": _op("The caller's passkeys", {"200": _json({"type": "object", "required": ["passkeys"],
                                                              "properties": {"passkeys": {"type": "array",
                                                              "items": _schema("Passkey")}}}, "Listed")},
                       "unauthenticated", json_body=False, cookies=(_ACCESS,))},
        "/auth/passkeys/{passkey_id}": {"delete": _op(
            "Remove one of the caller's passkeys (a recent sign-in or step-up; the account is told)",
            {"204": {"description": "Removed"}}, "unauthenticated", "reauth_required", "not_found",
            body=_body({}, optional_body=True), cookies=(_ACCESS,), parameters=[_path("passkey_id")])},
        "/auth/not-me": {"post": _op(
            "Redeem a \"this wasn't me\" link: every session ends, the reported sign-in's passkeys go",
            {"200": _json(_schema("Secured"), "Secured")}, "invalid_link", "link_used", body=token)},
        **_account_paths(token, credential),
        "/": _page("The sign-in page"),
        "/sign-in/link": _page("The page an emailed link opens (it consumes nothing)", head=True),
        "/not-me": _page("The page a \"this wasn't me\" link opens (it changes nothing)", head=True),
        "/step-up": _page("The page a step-up link opens (it changes nothing)", head=True),
        "/account/email": _page("The page a new address's link opens (it changes nothing)", head=True),
        "/static/{name}": {"get": {"summary": "The pages' script, style and icon", "parameters": [_path("name")],
                                   "responses": {"200": {"description": "The file", "content": {
                                       "text/css": {}, "text/javascript": {}, "image/svg+xml": {}}},
                                       **_errors("not_found")}}},
        **spec.paths(),
        **_approval_paths(),
    }


def _approval_paths() -> dict[str, Any]:
    """Approving a sign-in from a signed-in browser: a device's (RFC 8628) or a new browser's."""
    code = {"code": {**_STR, "description": "The user code (XXXX-XXXX; dash, case and spaces ignored) or request id"}}
    review = {"type": "object", "required": ["kind", "app", "device", "ip", "requested_at", "numbers"], "properties": {
        "kind": {"enum": ["device", "browser"]}, "app": {"type": ["string", "null"]}, "device": _STR, "ip": _STR,
        "place": {"type": ["string", "null"], "description": "Roughly where ip is, if the stage has a database"},
        "requested_at": _STR, "expires_at": _STR, "numbers": {"type": "array", "items": _STR}}}
    decided = {"type": "object", "required": ["status", "reason"], "properties": {
        "status": {"enum": ["approved", "denied"]}, "reason": {"enum": ["approved", "denied", "wrong_number"]}}}
    started = {"type": "object", "required": ["number", "url", "qr", "expires_in", "interval"], "properties": {
        "number": _STR, "url": _STR, "qr": {**_STR, "description": "An SVG data URI of url's QR code"},
        "expires_in": {"type": "integer"}, "interval": {"type": "integer"}}}
    state = {"type": "object", "required": ["status"], "properties": {
        "status": {"enum": ["pending", "approved", "denied", "expired"]}, "user": {"type": "object"}}}
    asked = ("unauthenticated", "unknown_request", "rate_limited")
    return {
        "/auth/approvals/lookup": {"post": _op("Review a request by its code: who asks, and three numbers",
                                               {"200": _json(review, "The request")}, *asked,
                                               body=_body(code, ("code",)), cookies=(_ACCESS,))},
        "/auth/approvals/decide": {"post": _op(
            "Approve (the number the asker shows) or deny (no number; a wrong number denies too)",
            {"200": _json(decided, "Decided: the asker is told")}, *asked,
            body=_body({**code, "number": {**_STR, "pattern": "^[0-9]{2}$"}}, ("code",)), cookies=(_ACCESS,))},
        "/auth/sign-in/phone": {"post": _op("Sign this browser in from a signed-in phone: a QR code and a number",
                                            {"201": _json(started, "Asked: the approval cookie is set", cookies=True)},
                                            "rate_limited", body=_body({}, optional_body=True))},
        "/auth/sign-in/phone/status": {"post": _op(
            "Where this browser's request stands; approved: the session's cookies, once",
            {"200": _json(state, "The state", cookies=True)}, "unknown_request",
            body=_body({}, optional_body=True), cookies=("__Host-sesame-approval",))},
        "/device": _page("The approval page: enter or scan a code, review, pick the number", head=True),
    }


def _account_paths(token: dict[str, Any], credential: dict[str, Any]) -> dict[str, Any]:
    """The step-up and the owner's own account changes (each needs a recent sign-in or step-up)."""
    code = _body({"code": _STR}, ("code",))
    address = {"200": _json({"type": "object", "required": ["email"], "properties": {"email": _STR}},
                            "The account's address now")}
    return {
        "/auth/step-up": {"post": _op(
            "Confirm it is you: mail a code and link to the signed-in address; passkey options if it has any",
            {"200": _json({"type": "object", "required": ["status", "publicKey"], "properties": {
                "status": _STR, "publicKey": {"type": ["object", "null"]}}}, "Sent", cookies=True)},
            "unauthenticated", "rate_limited", *_EMAIL_ERRORS, body=_body({}, optional_body=True),
            cookies=(_ACCESS,))},
        "/auth/step-up/code": {"post": _op("Step up with the mailed code (no new session)", _NO_CONTENT,
                                           "unauthenticated", "invalid_code", "rate_limited", body=code,
                                           cookies=(_ACCESS,))},
        "/auth/step-up/link": {"post": _op("Step up with the mailed link, in the browser that asked", _NO_CONTENT,
                                           "unauthenticated", "invalid_link", "rate_limited", body=token,
                                           cookies=(_ACCESS,))},
        "/auth/step-up/passkey": {"post": _op("Step up with one of the account's passkeys", _NO_CONTENT,
                                              "unauthenticated", "invalid_passkey", "rate_limited",
                                              body=_body(credential, ("credential",)), cookies=(_ACCESS, _WEBAUTHN))},
        "/auth/account/email": {"post": _op(
            "Mail a code and link to a new address (the same answer whether or not it has an account)",
            {"202": _json(_schema("Status"), "Sent")}, "unauthenticated", "reauth_required", "invalid_email",
            "rate_limited", *_EMAIL_ERRORS, body=_body({"email": {**_STR, "maxLength": 320}}, ("email",)),
            cookies=(_ACCESS,))},
        "/auth/account/email/code": {"post": _op("Change the address with the new mailbox's code", address,
                                                 "unauthenticated", "invalid_code", "address_taken", "rate_limited",
                                                 body=code, cookies=(_ACCESS,))},
        "/auth/account/email/link": {"post": _op("Change the address with the new mailbox's link, from any browser",
                                                 address, "invalid_link", "address_taken", "rate_limited",
                                                 body=token)},
        "/auth/account": {"delete": _op("Delete the caller's account: every session ends, a confirmation is mailed",
                                        _NO_CONTENT, "unauthenticated", "reauth_required",
                                        body=_body({}, optional_body=True), cookies=(_ACCESS,))},
    }


def _path(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": _STR}


def _components() -> dict[str, Any]:
    time = {**_STR, "format": "date-time"}
    user = {"type": "object", "required": ["sub", "email"], "properties": {"sub": _STR, "email": _STR}}
    return {
        "schemas": {
            "Error": {"type": "object", "required": ["error"], "properties": {"error": {
                "type": "object", "required": ["code", "message"], "additionalProperties": False,
                "properties": {"code": _STR, "message": _STR}}}},
            "Status": {"type": "object", "required": ["status"], "properties": {"status": _STR}},
            "Secured": {"type": "object", "required": ["status", "sessions_ended", "passkeys_removed",
                                                       "address_restored"], "properties": {
                "status": _STR, "sessions_ended": {"type": "integer"},
                "passkeys_removed": {"type": "array", "items": _STR}, "address_restored": {"type": "boolean"}}},
            "Config": {"type": "object", "required": ["resend_cooldown", "dev_mailbox"], "properties": {
                "resend_cooldown": {"type": "integer"}, "dev_mailbox": {"type": "boolean"}}},
            "SignedIn": {"type": "object", "required": ["user", "redirect"], "properties": {
                "user": user, "redirect": _STR}},
            "Session": {"type": "object", "required": ["user", "expires_at"], "properties": {
                "user": user, "expires_at": time}},
            "SessionItem": {"type": "object", "required": ["id", "current", "method", "device", "ip", "created_at",
                                                           "last_seen_at", "app"], "properties": {
                "id": _STR, "current": {"type": "boolean"}, "method": _STR, "device": _STR, "ip": _STR,
                "created_at": time, "last_seen_at": time,
                "app": {"type": ["string", "null"], "description": "The app's name, for a session an app holds"}}},
            "Passkey": {"type": "object", "required": ["id", "name", "created_at", "last_used_at"], "properties": {
                "id": _STR, "name": _STR, "created_at": time, "last_used_at": {"type": ["string", "null"]}}},
        },
        "headers": {"SetCookie": {"description": "One Set-Cookie per cookie: HttpOnly, Secure, SameSite",
                                  "schema": _STR}},
        "securitySchemes": spec.SECURITY_SCHEMES,
    }


@lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    """The whole document (built once per process)."""
    return {"openapi": "3.1.0",
            "info": {"title": "Sesame", "version": "1.0.0",
                     "description": "Passwordless sign-in: email code, magic link and passkeys. Every error is "
                                    "{\"error\": {\"code\", \"message\"}}, except on the OAuth endpoints "
                                    "(/oauth/*), which answer RFC 6749's; session tokens travel only in "
                                    "HttpOnly cookies, an app's only in OAuth token responses."},
            "paths": _paths(), "components": _components()}
