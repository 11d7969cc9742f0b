"""Authlib's authorization server, over Chalice requests and Sesame's sessions.

The protocol is Authlib's (``authlib.oauth2``): the authorization code grant
with PKCE, the refresh token grant, RFC 7009 revocation and RFC 7662
introspection. What is ours: where clients, codes and tokens live (DynamoDB,
Cognito), and OAuth 2.1's narrowing of OAuth 2.0 (S256 PKCE on every code, no
implicit or password grant, exact redirect URIs).
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from authlib.oauth2 import rfc6749, rfc7009, rfc7636, rfc7662
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import InvalidGrantError, InvalidRequestError
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload

from chalicelib.config import settings
from chalicelib.oauth import clients, codes, device, issue

Reply = tuple[int, Any, list[tuple[str, str]]]


class Request(rfc6749.OAuth2Request):
    """One HTTP request as Authlib reads it: the query (authorization) or the form (token)."""

    def __init__(self, method: str, path: str, headers: Mapping[str, str], params: dict[str, str], ip: str):
        super().__init__(method, settings().public_url + path, headers=headers)
        self.payload = BasicOAuth2Payload(params)
        self._params = params
        self.ip = ip

    @property
    def args(self) -> dict[str, str]:
        return self._params

    @property
    def form(self) -> dict[str, str]:
        return self._params


class S256(rfc7636.CodeChallenge):
    """PKCE on every authorization request, S256 only (OAuth 2.1 §4.1.1; RFC 7636 §4.2
    would default a missing method to plain, which we refuse)."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]
    DEFAULT_CODE_CHALLENGE_METHOD = "S256"

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: send code_challenge and code_challenge_method=S256.")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("Only code_challenge_method=S256 is supported.")
        super().validate_code_challenge(grant, redirect_uri)

    def validate_code_verifier(self, grant: Any, result: Any) -> None:
        if not grant.request.form.get("code_verifier"):
            raise InvalidRequestError("Missing 'code_verifier'.")  # confidential clients too (OAuth 2.1)
        super().validate_code_verifier(grant, result)


class CodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "none"]

    def save_authorization_code(self, code: str, request: Any) -> None:
        data = request.payload.data
        codes.save(code, client_id=request.client.client_id, redirect_uri=request.payload.redirect_uri,
                   scope=request.scope or "", challenge=data["code_challenge"],
                   method=data["code_challenge_method"], sub=request.user.sub, email=request.user.email)

    def query_authorization_code(self, code: str, client: clients.Client) -> codes.AuthCode | None:
        found = codes.find(code)
        if found is None or found.client_id != client.client_id:
            return None
        if found.used:
            issue.replayed(found)
            return None
        return found if found.expires_at > time.time() else None

    def delete_authorization_code(self, authorization_code: codes.AuthCode) -> None:
        """Nothing to do: the Verify trigger consumed the code when it issued the tokens."""

    def authenticate_user(self, authorization_code: codes.AuthCode) -> Any:
        # Authlib calls this after every check (client, redirect URI, PKCE). The user is
        # authenticated by Cognito with the code itself, which is also what makes the tokens.
        try:
            return issue.by_code(authorization_code, self.request.client, self.request.ip)
        except issue.GrantRefused:
            raise InvalidGrantError("The code is invalid, used or expired.")


class RefreshGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "none"]

    def authenticate_refresh_token(self, refresh_token: str) -> issue.Held | None:
        held = issue.find(refresh_token)
        return held if held is not None and held.token_type == "refresh_token" else None

    def authenticate_user(self, refresh_token: issue.Held) -> Any:
        return issue.renewed(refresh_token)

    def revoke_old_credential(self, refresh_token: issue.Held) -> None:
        """Nothing to revoke: Cognito keeps the refresh token (no new one was issued)."""


class Revocation(rfc7009.RevocationEndpoint):
    CLIENT_AUTH_METHODS = ["client_secret_basic", "none"]

    def query_token(self, token_string: str, token_type_hint: str | None) -> issue.Held | None:
        return issue.find(token_string)

    def authenticate_token(self, request: Any, client: clients.Client) -> issue.Held | None:
        # RFC 7009 §2.2: a token that is not the client's is answered as an invalid one, 200.
        self.check_params(request, client)
        held = self.query_token(request.form["token"], request.form.get("token_type_hint"))
        return held if held is not None and held.check_client(client) else None

    def revoke_token(self, token: issue.Held, request: Any) -> None:
        issue.revoke(token)


class Introspection(rfc7662.IntrospectionEndpoint):
    """For the stage's resource servers: confidential clients, any token of the stage."""

    def query_token(self, token_string: str, token_type_hint: str | None) -> issue.Held | None:
        return issue.find(token_string)

    def check_permission(self, token: issue.Held, client: clients.Client, request: Any) -> bool:
        return not client.public

    def introspect_token(self, token: issue.Held) -> dict[str, Any]:
        return issue.introspection(token, settings().issuer)


class Server(rfc6749.AuthorizationServer):
    def __init__(self) -> None:
        super().__init__(scopes_supported=list(clients.SCOPES))
        self.register_grant(CodeGrant, [S256(required=True)])
        self.register_grant(RefreshGrant)
        self.register_grant(device.DeviceGrant)
        self.register_endpoint(device.DeviceAuthorization)
        self.register_endpoint(Revocation)
        self.register_endpoint(Introspection)
        # The grants return Cognito's token response as their "user": see CodeGrant.authenticate_user.
        self.register_token_generator("default", lambda **kw: kw["user"])

    def create_oauth2_request(self, request: Request) -> Request:
        return request  # the routes build it (``Request``)

    def query_client(self, client_id: str) -> clients.Client | None:
        return clients.get(client_id)

    def save_token(self, token: dict[str, Any], request: Any) -> None:
        """Nothing to do: the tokens are Cognito's, the session has its record already."""

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        """No signals: every attempt is audited by the route."""

    def handle_response(self, status: int, body: Any, headers: list[tuple[str, str]]) -> Reply:
        return status, body, list(headers)


@lru_cache(maxsize=1)
def server() -> Server:
    # Authlib refuses http URLs unless told: only the local stage serves plain http, on loopback.
    if urlsplit(settings().public_url).hostname in ("localhost", "127.0.0.1"):
        os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"
    return Server()
