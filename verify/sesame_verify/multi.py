"""``MultiIssuerVerifier``: one ``verify`` for several pools, stages or clients."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sesame_verify.errors import ClaimError
from sesame_verify.verifier import CognitoJwtVerifier, json_object, split


class MultiIssuerVerifier:
    """Routes each token by its ``iss`` to the verifiers of that issuer.

    >>> verifier = MultiIssuerVerifier(CognitoJwtVerifier(dev_pool, dev_client, "access"),
    ...                                CognitoJwtVerifier(prod_pool, prod_client, "access"))
    >>> claims = verifier.verify(token)

    Several verifiers may share an issuer (clients of one pool): the token must
    pass one of them. An issuer none of them has is a ``ClaimError``, found
    before any key is looked up, so it never reaches the network.
    """

    def __init__(self, *verifiers: CognitoJwtVerifier) -> None:
        if not verifiers or not all(isinstance(v, CognitoJwtVerifier) for v in verifiers):
            raise ValueError("give one or more CognitoJwtVerifier")
        self.verifiers = verifiers
        self._by_issuer: dict[str, list[CognitoJwtVerifier]] = {}
        for verifier in verifiers:
            self._by_issuer.setdefault(verifier.issuer, []).append(verifier)

    @property
    def token_use(self) -> str | None:
        """The verifiers' token_use when they all share one (``verify_request`` picks the cookie by it)."""
        uses = {v.token_use for v in self.verifiers}
        return uses.pop() if len(uses) == 1 else None

    def verify(self, token: str) -> dict[str, Any]:
        """The token's claims, if one verifier of its issuer accepts it; else a ``TokenError``."""
        parts = split(token)
        # Parsed before the signature is checked, only to choose the verifiers;
        # each of them checks the signature and every claim, iss included.
        claims = json_object(parts.payload, "payload")
        issuer = claims.get("iss")
        candidates = self._by_issuer.get(issuer) if isinstance(issuer, str) else None
        if not candidates:
            raise ClaimError("iss is not one of the expected issuers")
        refused: ClaimError | None = None
        for verifier in candidates:
            try:
                return verifier.verify_parts(parts, claims)
            except ClaimError as exc:  # another client of the issuer may accept it
                refused = refused or exc
        assert refused is not None
        raise refused

    def hydrate(self) -> None:
        """Fetch every issuer's JWKS now; ``JwksError`` if one fails."""
        for verifier in self.verifiers:
            verifier.hydrate()

    def cache_jwks(self, jwks: Mapping[str, Any], issuer: str | None = None) -> None:
        """Use this JWKS for ``issuer`` (optional when there is one issuer), with no network call."""
        if issuer is None and len(self._by_issuer) == 1:
            issuer = next(iter(self._by_issuer))
        if issuer not in self._by_issuer:
            raise ValueError("name one of the verifiers' issuers")
        for verifier in self._by_issuer[issuer]:
            verifier.cache_jwks(jwks)
