"""sesame_verify against the physical floor, interleaved, on the same tokens.

Variants, each timed per call on the same signature:
  raw      cryptography's RSA-2048 PKCS#1 v1.5 verify (the floor)
  pyjwt    jwt.decode with the key object
  sesame   CognitoJwtVerifier.verify with every check (each token new to it)
  options  the same with groups, scopes and a custom_check, all used
  multi    MultiIssuerVerifier over two pools, routing the token to its own
  stdlib   only the standard-library steps any verifier must add to raw, in
           their fastest form: base64 of payload and signature, JSON of the payload
Also: the cost of the options when unused, time to reject a 1 MB token, and
JWKS fetches for 1,000 unknown kids.
Prints figures and ratios; targets are reported, not asserted.
"""

from __future__ import annotations

import binascii
import functools
import json
import statistics
import time
import timeit
from collections.abc import Callable
from typing import Any

import jwt
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from sesame_verify import CognitoJwtVerifier, MultiIssuerVerifier, TokenError

POOL = "eu-west-1_Bench01"
ISSUER = f"https://cognito-idp.eu-west-1.amazonaws.com/{POOL}"
N = 3000


def timed(call: Callable[[], object]) -> int:
    start = time.perf_counter_ns()
    call()
    return time.perf_counter_ns() - start


def tokens_and_keys() -> tuple[list[str], rsa.RSAPrivateKey, dict[str, str]]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True) | {"kid": "k1", "use": "sig",
                                                                                 "alg": "RS256"}
    now = int(time.time())
    tokens = [jwt.encode({"sub": f"user-{i}", "iss": ISSUER, "token_use": "access", "client_id": "client",
                          "iat": now, "exp": now + 3600, "jti": f"jti-{i}", "origin_jti": f"o-{i}",
                          "scope": "aws.cognito.signin.user.admin", "username": f"user-{i}",
                          "cognito:groups": ["bench"]},
                         key, algorithm="RS256", headers={"kid": "k1"}) for i in range(N)]
    return tokens, key, jwk


def verifiers(jwk: dict[str, str]) -> dict[str, Any]:
    jwks = {"keys": [jwk]}

    def tenant_check(header: dict[str, Any], claims: dict[str, Any], key: dict[str, Any]) -> None:
        if not claims["username"].startswith("user-"):
            raise ValueError("not a tenant user")

    other = CognitoJwtVerifier("eu-west-1_Other01", "client", "access", jwks=jwks)
    return {"sesame": CognitoJwtVerifier(POOL, "client", "access", jwks=jwks),
            "options": CognitoJwtVerifier(POOL, "client", "access", jwks=jwks, groups=["bench"],
                                          scopes=["aws.cognito.signin.user.admin"], custom_check=tenant_check),
            "multi": MultiIssuerVerifier(other, CognitoJwtVerifier(POOL, "client", "access", jwks=jwks))}


_raw_decode = json.JSONDecoder().raw_decode


def stdlib_steps(payload_b64: bytes, signature_b64: bytes) -> None:
    # The fastest stdlib forms: a2b_base64 of padded input, and JSON's C scanner without json.loads's wrapper.
    _raw_decode(binascii.a2b_base64(payload_b64).decode())
    binascii.a2b_base64(signature_b64)


def padded(segment: str) -> bytes:
    return segment.translate(str.maketrans("-_", "+/")).encode() + b"=" * (-len(segment) % 4)


def compare(tokens: list[str], key: rsa.RSAPrivateKey, jwk: dict[str, str]) -> float:
    """The medians' ratios to raw; returns raw's median in microseconds."""
    public = key.public_key()
    variants = verifiers(jwk)
    results: dict[str, list[int]] = {name: [] for name in ("raw", "pyjwt", *variants, "stdlib")}
    for i, token in enumerate(tokens):
        signing_input, _, sig = token.rpartition(".")
        signature, message = jwt.utils.base64url_decode(sig), signing_input.encode()
        calls: dict[str, Callable[[], object]] = {
            "raw": functools.partial(public.verify, signature, message, padding.PKCS1v15(), hashes.SHA256()),
            "pyjwt": functools.partial(jwt.decode, token, public, algorithms=["RS256"], issuer=ISSUER,
                                       options={"require": ["exp", "iat"]}),
            **{name: functools.partial(verifier.verify, token) for name, verifier in variants.items()},
            "stdlib": functools.partial(stdlib_steps, padded(token.split(".")[1]), padded(sig)),
        }
        shift = i % len(calls)
        for name in list(calls)[shift:] + list(calls)[:shift]:  # rotate to interleave fairly
            results[name].append(timed(calls[name]))
    median = {name: statistics.median(values) / 1000 for name, values in results.items()}
    print(f"verify, median of {N} tokens (microseconds):")
    for name in results:
        print(f"  {name:7s} {median[name]:8.1f} us   {median[name] / median['raw']:.2f}x raw")
    ratio = median["sesame"] / median["raw"]
    print(f"  target: sesame <= 1.3x raw -> {ratio:.2f}x ({'met' if ratio <= 1.3 else 'NOT met'}); "
          f"raw + stdlib steps alone: {(median['raw'] + median['stdlib']) / median['raw']:.2f}x")
    return median["raw"]


def unused_options_cost(raw_us: float, jwk: dict[str, str]) -> None:
    """What groups, scopes and custom_check cost a verifier that sets none: one attribute test per token."""
    verifier = CognitoJwtVerifier(POOL, "client", "access", jwks={"keys": [jwk]})
    runs = 1_000_000
    branch = timeit.timeit("if v._extra: pass", globals={"v": verifier}, number=runs)
    empty = timeit.timeit("pass", number=runs)
    cost_us = max(branch - empty, 0) / runs * 1e6
    print(f"unused options: {cost_us * 1000:.0f} ns per token = {cost_us / raw_us:.3f}x raw (target <= 0.05x)")


def reject_huge(token: str, verifier: CognitoJwtVerifier) -> None:
    huge = token + "A" * 1_000_000
    rejections = []
    for _ in range(200):
        start = time.perf_counter_ns()
        try:
            verifier.verify(huge)
        except TokenError:
            pass
        rejections.append(time.perf_counter_ns() - start)
    reject_ms = statistics.median(rejections) / 1e6
    print(f"reject a 1 MB token: median {reject_ms * 1000:.2f} us "
          f"(target < 1 ms -> {'met' if reject_ms < 1 else 'NOT met'})")


def storm(key: rsa.RSAPrivateKey, jwk: dict[str, str]) -> None:
    fetches: list[str] = []

    def fetcher(uri: str, timeout: float) -> bytes:
        fetches.append(uri)
        return json.dumps({"keys": [jwk]}).encode()

    verifier = CognitoJwtVerifier(POOL, "client", "access", jwks_uri="http://127.0.0.1:1/jwks.json",
                                  fetcher=fetcher)
    for i in range(1000):
        forged = jwt.encode({"sub": "x"}, key, algorithm="RS256", headers={"kid": f"unknown-{i}"})
        try:
            verifier.verify(forged)
        except TokenError:
            pass
    print(f"1,000 tokens with unknown kids: {len(fetches)} JWKS fetch(es) (target 1)")


def main() -> None:
    tokens, key, jwk = tokens_and_keys()
    raw_us = compare(tokens, key, jwk)
    unused_options_cost(raw_us, jwk)
    reject_huge(tokens[0], CognitoJwtVerifier(POOL, "client", "access", jwks={"keys": [jwk]}))
    storm(key, jwk)


if __name__ == "__main__":
    main()
