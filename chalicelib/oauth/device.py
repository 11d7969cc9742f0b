"""The device authorization grant (RFC 8628), on Authlib's endpoint and grant.

A device (a CLI, a TV) asks for a user code and a device code; the person
approves the request on ``/device`` from a browser where they are signed in,
picking the number the device shows (``match_number``, an extension parameter
RFC 8628 §3.2 allows); the device polls the token endpoint until then. The
requests themselves are ``chalicelib.approvals``' (shared with approving a
browser); what is here is the protocol's part.
"""

from __future__ import annotations

import time
from typing import Any

from authlib.consts import default_json_headers
from authlib.oauth2.rfc6749.errors import AccessDeniedError, InvalidGrantError, UnauthorizedClientError
from authlib.oauth2.rfc8628 import (
    DEVICE_CODE_GRANT_TYPE,
    AuthorizationPendingError,
    DeviceAuthorizationEndpoint,
    DeviceCodeGrant,
    ExpiredTokenError,
    SlowDownError,
)

from chalicelib import tokens
from chalicelib.approvals import handover, store
from chalicelib.config import settings
from chalicelib.oauth import clients, issue
from chalicelib.oauth.clients import Client
from chalicelib.sessions import devices
from chalicelib.sessions.begin import tell_account

METHOD = "device"
EXPIRES_IN = 600  # seconds: RFC 8628 leaves it to us; the issue asks at most 10 minutes
INTERVAL = 5  # RFC 8628 §3.2's default


def verification_uri() -> str:
    return f"{settings().public_url}/device"


class DeviceAuthorization(DeviceAuthorizationEndpoint):
    CLIENT_AUTH_METHODS = ["client_secret_basic", "none"]

    def create_endpoint_response(self, request: Any) -> tuple[int, dict[str, Any], list[tuple[str, str]]]:
        client: Client = self.authenticate_client(request)
        if not client.check_grant_type(DEVICE_CODE_GRANT_TYPE):
            raise UnauthorizedClientError("This client is not registered for the device grant.")
        self.server.validate_requested_scope(request.payload.scope)
        created = store.create("device", client_id=client.client_id, client_name=client.name,
                               scope=client.get_allowed_scope(request.payload.scope), ip=request.ip,
                               device=devices.label(request.headers.get("user-agent", "")), ttl=EXPIRES_IN,
                               interval=INTERVAL)
        return 200, {
            "device_code": created.secret, "user_code": created.handle, "verification_uri": verification_uri(),
            "verification_uri_complete": f"{verification_uri()}?code={created.handle}",
            "expires_in": EXPIRES_IN, "interval": INTERVAL, "match_number": created.request.number,
        }, default_json_headers


class DeviceGrant(DeviceCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "none"]

    def query_device_credential(self, device_code: str) -> store.Request:
        found = store.by_secret(device_code, "device")
        if found is None:  # RFC 8628 §3.5 names no error for it; RFC 6749 §5.2's is invalid_grant
            raise InvalidGrantError("The device code is not valid.")
        return found

    def validate_device_credential(self, credential: store.Request) -> dict[str, Any]:
        # Authlib has matched the credential's client to the authenticated one, and sets
        # ``request.client`` only after this returns.
        client = clients.get(credential.client_id)
        if client is None:
            raise InvalidGrantError("The client is no longer registered.")
        return poll(credential, client, self.request.ip)


def poll(request: store.Request, client: Client, ip: str) -> dict[str, Any]:
    """One poll's answer: the token response, exactly once after an approval, else an error."""
    if request.status == "used":
        raise InvalidGrantError("This device code was used already.")
    if request.status == "denied":
        raise AccessDeniedError("The request was denied.")
    if request.is_expired():
        raise ExpiredTokenError()
    if request.status == "approved":
        return _take(request, client, ip)
    if store.polled(request, int(time.time())):
        raise SlowDownError()
    raise AuthorizationPendingError()


def _take(request: store.Request, client: Client, ip: str) -> dict[str, Any]:
    def recorded(session: tokens.Session) -> dict[str, Any]:
        record, body = issue.app_session(session, client, request.scope, ip, METHOD)
        tell_account(record, request.locale)
        return body

    try:
        return handover.hand_over(request, client.client_id, recorded)
    except handover.Claimed:  # a concurrent poll is taking it
        raise SlowDownError()
    except handover.Refused:
        raise AccessDeniedError("The account cannot sign in.")
