"""CognitoJwtVerifier: every check, and the attacks of RFC 8725 and of the
pyjwt and aws-jwt-verify advisories."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from sesame_verify import (
    ClaimError,
    CognitoJwtVerifier,
    ExpiredTokenError,
    KeyNotFoundError,
    MalformedTokenError,
    NotYetValidError,
    RevokedTokenError,
    SignatureError,
    TokenError,
)
from tests.verify.conftest import CLIENT, DROP, ISSUER, POOL, Issuer, JwksServer, b64, jwk_of


def rejects(verifier: CognitoJwtVerifier, token: Any, error: type[TokenError]) -> TokenError:
    with pytest.raises(error) as caught:
        verifier.verify(token)
    # The message names the check, never the token or a piece of it.
    if isinstance(token, str) and token:
        for piece in [token, *[p for p in token.split(".") if len(p) > 8]]:
            assert piece not in str(caught.value)
    return caught.value


def test_a_valid_access_token_gives_its_claims(verifier: CognitoJwtVerifier, issuer: Issuer) -> None:
    claims = verifier.verify(issuer.token())
    assert claims["sub"] == "user-sub-1" and claims["client_id"] == CLIENT


def test_a_valid_id_token_with_a_list_of_clients(jwks_server: JwksServer, issuer: Issuer) -> None:
    verifier = CognitoJwtVerifier(POOL, ["other", CLIENT], "id", jwks_uri=jwks_server.url)
    assert verifier.verify(issuer.token("id"))["aud"] == CLIENT


def test_issuer_and_jwks_uri_default_from_the_pool_id() -> None:
    verifier = CognitoJwtVerifier(POOL, CLIENT, "access")
    assert verifier.issuer == ISSUER
    assert verifier.jwks.uri == f"{ISSUER}/.well-known/jwks.json"


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
def test_alg_none_in_any_capitalisation(verifier: CognitoJwtVerifier, issuer: Issuer, alg: str) -> None:
    unsigned = f"{b64(json.dumps({'alg': alg, 'kid': 'key-1'}).encode())}.{b64(json.dumps(issuer.claims()).encode())}"
    rejects(verifier, unsigned + ".", MalformedTokenError)
    rejects(verifier, unsigned + "." + b64(b"x" * 256), MalformedTokenError)


def public_key_encodings(issuer: Issuer) -> dict[str, bytes]:
    public = issuer.key.public_key()
    numbers = public.public_numbers()
    return {
        "spki_pem": public.public_bytes(serialization.Encoding.PEM,
                                        serialization.PublicFormat.SubjectPublicKeyInfo),
        "pkcs1_pem": public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1),
        "spki_der": public.public_bytes(serialization.Encoding.DER,
                                        serialization.PublicFormat.SubjectPublicKeyInfo),
        "openssh": public.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH),
        "jwk_json": json.dumps(jwk_of(issuer.key, "key-1")).encode(),
        "modulus": numbers.n.to_bytes(256, "big"),
    }


@pytest.mark.parametrize("encoding", ["spki_pem", "pkcs1_pem", "spki_der", "openssh", "jwk_json", "modulus"])
def test_hs256_signed_with_the_public_key(verifier: CognitoJwtVerifier, issuer: Issuer, encoding: str) -> None:
    secret = public_key_encodings(issuer)[encoding]
    signing_input = (f"{b64(json.dumps({'alg': 'HS256', 'kid': 'key-1'}).encode())}."
                     f"{b64(json.dumps(issuer.claims()).encode())}")
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    rejects(verifier, f"{signing_input}.{b64(mac)}", MalformedTokenError)


@pytest.mark.parametrize("alg", ["RS384", "RS512", "PS256", "ES256", "HS256", "rs256", "RS256 "])
def test_any_alg_but_rs256_is_refused(verifier: CognitoJwtVerifier, issuer: Issuer, alg: str) -> None:
    rejects(verifier, issuer.raw({"alg": alg, "kid": "key-1"}, issuer.claims()), MalformedTokenError)


def test_jwk_alg_must_match_and_use_must_be_sig(jwks_server: JwksServer, issuer: Issuer) -> None:
    jwks_server.jwks = {"keys": [jwk_of(issuer.key, "rs512", alg="RS512"),
                                 jwk_of(issuer.key, "enc", use="enc"),
                                 {k: v for k, v in jwk_of(issuer.key, "nouse").items() if k != "use"}]}
    verifier = CognitoJwtVerifier(POOL, CLIENT, "access", jwks_uri=jwks_server.url)
    for kid in ("rs512", "enc", "nouse"):
        rejects(verifier, Issuer(issuer.key, kid).token(), KeyNotFoundError)


def test_a_jwk_without_alg_is_used_as_rs256(jwks_server: JwksServer, issuer: Issuer) -> None:
    jwks_server.jwks = {"keys": [{k: v for k, v in jwk_of(issuer.key, "key-1").items() if k != "alg"}]}
    verifier = CognitoJwtVerifier(POOL, CLIENT, "access", jwks_uri=jwks_server.url)
    assert verifier.verify(issuer.token())["sub"] == "user-sub-1"


@pytest.mark.parametrize("kid", ["../../etc/passwd", "https://evil.example/jwks.json", "key-1/../x",
                                 "", "k" * 300])
def test_kid_is_only_looked_up_never_followed(verifier: CognitoJwtVerifier, jwks_server: JwksServer,
                                              issuer: Issuer, kid: str) -> None:
    token = issuer.raw({"alg": "RS256", "kid": kid}, issuer.claims())
    with pytest.raises((KeyNotFoundError, MalformedTokenError)):
        verifier.verify(token)
    assert set(jwks_server.paths) <= {f"/{POOL}/.well-known/jwks.json"}


def test_kid_is_required(verifier: CognitoJwtVerifier, issuer: Issuer) -> None:
    rejects(verifier, issuer.raw({"alg": "RS256"}, issuer.claims()), MalformedTokenError)
    rejects(verifier, issuer.raw({"alg": "RS256", "kid": 7}, issuer.claims()), MalformedTokenError)


@pytest.mark.parametrize("field", ["jku", "x5u", "jwk", "x5c"])
def test_key_carrying_headers_are_ignored(verifier: CognitoJwtVerifier, issuer: Issuer, other_key: Any,
                                          jwks_server: JwksServer, field: str) -> None:
    attacker = {"jku": "http://127.0.0.1:1/evil.json", "x5u": "http://127.0.0.1:1/cert.pem",
                "jwk": jwk_of(other_key, "key-1"), "x5c": ["MIIBIjANBg"]}[field]
    # Signed by the attacker's key, pointing at it: the attacker's key is never used.
    rejects(verifier, issuer.token(headers={field: attacker}, key=other_key), SignatureError)
    # Signed by the real key with the header present: still fine, header unused.
    assert verifier.verify(issuer.token(headers={field: attacker}))["sub"]
    assert set(jwks_server.paths) == {f"/{POOL}/.well-known/jwks.json"}


def test_critical_headers_are_refused(verifier: CognitoJwtVerifier, issuer: Issuer) -> None:
    rejects(verifier, issuer.token(headers={"crit": ["exp"], "exp": 1}), MalformedTokenError)
    rejects(verifier, issuer.token(headers={"crit": []}), MalformedTokenError)


@pytest.mark.parametrize("claim", ["exp", "iat", "iss", "token_use", "client_id", "sub"])
def test_missing_claims(verifier: CognitoJwtVerifier, issuer: Issuer, claim: str) -> None:
    rejects(verifier, issuer.token(**{claim: DROP}), ClaimError)


@pytest.mark.parametrize("claim,value", [
    ("exp", "9999999999"), ("exp", True), ("exp", None), ("exp", [9999999999]), ("exp", {"n": 1}),
    ("iat", "0"), ("iat", False), ("nbf", "0"), ("nbf", True),
    ("client_id", [CLIENT]), ("client_id", CLIENT.upper()), ("client_id", ""),
    ("sub", 5), ("sub", ""), ("token_use", "Access"), ("token_use", ["access"]),
])
def test_odd_claims(verifier: CognitoJwtVerifier, issuer: Issuer, claim: str, value: Any) -> None:
    rejects(verifier, issuer.token(**{claim: value}), ClaimError)


@pytest.mark.parametrize("claim", ["exp", "iat", "nbf"])
def test_nan_and_infinity_are_not_times(verifier: CognitoJwtVerifier, issuer: Issuer, claim: str) -> None:
    for literal in (b"NaN", b"Infinity", b"-Infinity", b"1e999"):
        payload = json.dumps(issuer.claims(**{claim: 0})).encode().replace(
            f'"{claim}": 0'.encode(), f'"{claim}": '.encode() + literal)
        rejects(verifier, issuer.raw({"alg": "RS256", "kid": "key-1"}, payload), ClaimError)


def test_time_claims_and_leeway(jwks_server: JwksServer, issuer: Issuer) -> None:
    now = int(time.time())
    strict = CognitoJwtVerifier(POOL, CLIENT, "access", jwks_uri=jwks_server.url)
    rejects(strict, issuer.token(exp=now - 1), ExpiredTokenError)
    rejects(strict, issuer.token(exp=now), ExpiredTokenError)
    rejects(strict, issuer.token(nbf=now + 30), NotYetValidError)
    rejects(strict, issuer.token(iat=now + 30), NotYetValidError)
    assert strict.verify(issuer.token(nbf=now - 1, exp=now + 2))
    lenient = CognitoJwtVerifier(POOL, CLIENT, "access", jwks_uri=jwks_server.url, leeway=60)
    assert lenient.verify(issuer.token(exp=now - 30, nbf=now + 30, iat=now + 30))
    rejects(lenient, issuer.token(exp=now - 61), ExpiredTokenError)


def test_leeway_is_capped() -> None:
    with pytest.raises(ValueError):
        CognitoJwtVerifier(POOL, CLIENT, "access", leeway=301)
    with pytest.raises(ValueError):
        CognitoJwtVerifier(POOL, CLIENT, "access", leeway=-1)


@pytest.mark.parametrize("iss", [
    ISSUER + "/", ISSUER.upper(), ISSUER.replace("https", "http"), ISSUER.replace("eu-west-1", "us-east-1"),
    ISSUER.replace(POOL, "eu-west-1_OtherPool"), " " + ISSUER, ISSUER + "\n", ISSUER[:-1],
    f"{ISSUER}.evil.example", [ISSUER], None,
])
def test_wrong_issuer_variants(verifier: CognitoJwtVerifier, issuer: Issuer, iss: Any) -> None:
    rejects(verifier, issuer.raw({"alg": "RS256", "kid": "key-1"}, issuer.claims(iss=iss)), ClaimError)


def test_a_token_from_another_pool_is_refused(verifier: CognitoJwtVerifier, issuer: Issuer) -> None:
    rejects(verifier, issuer.token(iss="https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other"),
            ClaimError)


def test_id_token_for_access_and_the_reverse(jwks_server: JwksServer, issuer: Issuer) -> None:
    access = CognitoJwtVerifier(POOL, CLIENT, "access", jwks_uri=jwks_server.url)
    id_verifier = CognitoJwtVerifier(POOL, CLIENT, "id", jwks_uri=jwks_server.url)
    rejects(access, issuer.token("id"), ClaimError)
    rejects(id_verifier, issuer.token("access"), ClaimError)
    # An ID token that also carries client_id is still an ID token.
    rejects(access, issuer.token("id", client_id=CLIENT), ClaimError)


def test_tampered_payload_and_stripped_signature(verifier: CognitoJwtVerifier, issuer: Issuer) -> None:
    header, _, signature = issuer.token().split(".")
    forged = b64(json.dumps(issuer.claims(sub="admin")).encode())
    rejects(verifier, f"{header}.{forged}.{signature}", SignatureError)
    rejects(verifier, f"{header}.{forged}.", MalformedTokenError)
    rejects(verifier, f"{header}.{forged}", MalformedTokenError)


def test_signature_from_another_key(verifier: CognitoJwtVerifier, issuer: Issuer, other_key: Any) -> None:
    rejects(verifier, issuer.token(key=other_key), SignatureError)


def test_non_canonical_base64(verifier: CognitoJwtVerifier, issuer: Issuer) -> None:
    header, payload, signature = issuer.token().split(".")
    # 256-byte signature: 342 characters, the last carrying 4 unused bits.
    last = signature[-1]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    twin = alphabet[alphabet.index(last) | 1]
    assert base64.urlsafe_b64decode(signature[:-1] + twin + "==") == base64.urlsafe_b64decode(signature + "==")
    rejects(verifier, f"{header}.{payload}.{signature[:-1]}{twin}", MalformedTokenError)
    rejects(verifier, f"{header}.{payload}.{signature}==", MalformedTokenError)
    std = base64.b64encode(base64.urlsafe_b64decode(signature + "==")).decode().rstrip("=")
    if std != signature:
        rejects(verifier, f"{header}.{payload}.{std}", MalformedTokenError)
    rejects(verifier, f"{header} .{payload}.{signature}", MalformedTokenError)


@pytest.mark.parametrize("count", [1, 2, 4, 5])
def test_wrong_number_of_segments(verifier: CognitoJwtVerifier, issuer: Issuer, count: int) -> None:
    parts = issuer.token().split(".")
    parts = (parts * 2)[:count]
    rejects(verifier, ".".join(parts), MalformedTokenError)


@pytest.mark.parametrize("token", [None, 42, b"a.b.c", "", "...", "a.b.c"])
def test_not_a_token(verifier: CognitoJwtVerifier, token: Any) -> None:
    rejects(verifier, token, MalformedTokenError)


def test_huge_tokens_are_refused_before_parsing(verifier: CognitoJwtVerifier, jwks_server: JwksServer,
                                                issuer: Issuer) -> None:
    huge = issuer.token(padding="x" * 1_000_000)
    started = time.perf_counter()
    rejects(verifier, huge, MalformedTokenError)
    assert jwks_server.hits == 0  # nothing was parsed, no key was looked up
    assert time.perf_counter() - started < 1.0  # a loose bound; bench/ has the real figure
    rejects(verifier, issuer.token(padding="x" * 8200), MalformedTokenError)


def test_deeply_nested_json(verifier: CognitoJwtVerifier, issuer: Issuer) -> None:
    nested_header = b'{"alg":"RS256","kid":"key-1","x":' + b"[" * 3000 + b"]" * 3000 + b"}"
    token = f"{b64(nested_header)}.{b64(json.dumps(issuer.claims()).encode())}.{b64(b'x' * 256)}"
    rejects(verifier, token, MalformedTokenError)
    nested_payload = b'{"a":' * 2500 + b"1" + b"}" * 2500
    rejects(verifier, issuer.raw({"alg": "RS256", "kid": "key-1"}, nested_payload), MalformedTokenError)


def test_header_and_payload_must_be_objects(verifier: CognitoJwtVerifier, issuer: Issuer) -> None:
    rejects(verifier, issuer.raw({"alg": "RS256", "kid": "key-1"}, b"[1,2]"), MalformedTokenError)
    token = f"{b64(b'[]')}.{b64(b'{}')}.{b64(b'x' * 256)}"
    rejects(verifier, token, MalformedTokenError)


def test_is_revoked_is_consulted_last(jwks_server: JwksServer, issuer: Issuer) -> None:
    seen: list[dict[str, Any]] = []

    def revoked(claims: Any) -> bool:
        seen.append(dict(claims))
        return bool(claims["origin_jti"] == "signed-out")

    verifier = CognitoJwtVerifier(POOL, CLIENT, "access", jwks_uri=jwks_server.url, is_revoked=revoked)
    rejects(verifier, issuer.token(exp=int(time.time()) - 5, origin_jti="signed-out"), ExpiredTokenError)
    rejects(verifier, issuer.token(client_id="other", origin_jti="signed-out"), ClaimError)
    assert seen == []
    rejects(verifier, issuer.token(origin_jti="signed-out"), RevokedTokenError)
    assert verifier.verify(issuer.token(origin_jti="fine"))
    assert [c["origin_jti"] for c in seen] == ["signed-out", "fine"]


def test_constructor_validates_its_settings() -> None:
    for bad in [dict(user_pool_id="nope"), dict(token_use="refresh"), dict(client_id=[]),
                dict(client_id=[""]), dict(user_pool_id="../x_y")]:
        args = {"user_pool_id": POOL, "client_id": CLIENT, "token_use": "access", **bad}
        with pytest.raises(ValueError):
            CognitoJwtVerifier(args["user_pool_id"], args["client_id"], args["token_use"])


def test_pyjwt_itself_is_new_enough() -> None:
    major, minor = (int(x) for x in jwt.__version__.split(".")[:2])
    assert (major, minor) >= (2, 13)


def test_payload_json_around_whitespace_and_after_junk(verifier: CognitoJwtVerifier, issuer: Issuer) -> None:
    # The fast JSON path must decide as json.loads does: whitespace around the object is JSON, junk is not.
    body = json.dumps(issuer.claims()).encode()
    assert verifier.verify(issuer.raw({"alg": "RS256", "kid": "key-1"}, b" \n" + body + b"\t "))
    for bad in (body + b"x", body + body, b"\xef\xbb\xbf" + body, body.decode().encode("utf-16")):
        rejects(verifier, issuer.raw({"alg": "RS256", "kid": "key-1"}, bad), MalformedTokenError)
