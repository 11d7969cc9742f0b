"""Finding the token in a request, whatever the framework's headers look like."""

from __future__ import annotations

import pytest

from sesame_verify import (
    ACCESS_COOKIE,
    CognitoJwtVerifier,
    MissingTokenError,
    SignatureError,
    token_from_headers,
    verify_request,
)
from tests.verify.conftest import CLIENT, POOL, Issuer, JwksServer


def test_bearer_header_comes_first() -> None:
    headers = {"Authorization": "Bearer abc.def.ghi", "Cookie": f"{ACCESS_COOKIE}=cookie.value.x"}
    assert token_from_headers(headers) == "abc.def.ghi"
    assert token_from_headers({"authorization": "bearer  abc.def.ghi "}) == "abc.def.ghi"
    assert token_from_headers({"Authorization": "Basic dXNlcjpwYXNz"}) is None


def test_cookie_from_plain_wsgi_and_asgi_headers() -> None:
    value = "aaa.bbb.ccc"
    cookie = f"theme=dark; {ACCESS_COOKIE}={value}; other=1"
    assert token_from_headers({"cookie": cookie}) == value
    assert token_from_headers({"HTTP_COOKIE": cookie}) == value
    assert token_from_headers([(b"host", b"x"), (b"cookie", cookie.encode())]) == value
    assert token_from_headers({"Cookie": cookie}, "__Host-sesame-id") is None


def test_malformed_or_huge_cookie_headers_give_no_token() -> None:
    assert token_from_headers({"Cookie": 'a="unterminated; ' + ACCESS_COOKIE + "=x"}) in (None, "x")
    assert token_from_headers({"Cookie": f"{ACCESS_COOKIE}=" + "a" * 20000}) is None
    assert token_from_headers({}) is None


def test_verify_request(jwks_server: JwksServer, issuer: Issuer, other_key: object) -> None:
    access = CognitoJwtVerifier(POOL, CLIENT, "access", jwks_uri=jwks_server.url)
    id_verifier = CognitoJwtVerifier(POOL, CLIENT, "id", jwks_uri=jwks_server.url)
    cookies = f"{ACCESS_COOKIE}={issuer.token()}; __Host-sesame-id={issuer.token('id')}"
    assert verify_request({"Cookie": cookies}, access)["token_use"] == "access"
    with pytest.raises(MissingTokenError):  # Sesame sets no ID cookie: an ID token is a bearer token
        verify_request({"Cookie": cookies}, id_verifier)
    assert verify_request({"Authorization": f"Bearer {issuer.token('id')}"}, id_verifier)["token_use"] == "id"
    with pytest.raises(MissingTokenError):
        verify_request({"Cookie": "unrelated=1"}, access)
    with pytest.raises(SignatureError):
        verify_request({"Authorization": f"Bearer {issuer.token(key=other_key)}"}, access)  # type: ignore[arg-type]


@pytest.mark.parametrize("foreign", ['g_state={"i_l":0}', "pref=dark mode", "a[b]=1", "junk", "=x", 'q="quoted"'])
def test_a_foreign_cookie_that_does_not_parse_hides_nothing(foreign: str) -> None:
    # RFC 6265 section 5.4: pair by pair; http.cookies stopped at the first pair it could not read.
    assert token_from_headers({"cookie": f"{foreign}; {ACCESS_COOKIE}=aaa.bbb.ccc; more=1"}) == "aaa.bbb.ccc"


def test_a_cookie_sent_twice_with_two_values_is_none_of_them() -> None:
    twice = f"{ACCESS_COOKIE}=mine.a.b; {ACCESS_COOKIE}=tossed.a.b"
    assert token_from_headers({"cookie": twice}) is None
    assert token_from_headers({"cookie": f"{ACCESS_COOKIE}=same.a.b; {ACCESS_COOKIE}=same.a.b"}) == "same.a.b"
