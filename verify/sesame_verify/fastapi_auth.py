"""FastAPI: a dependency that gives a route the token's claims, or answers 401.

>>> from sesame_verify.fastapi_auth import claims_dependency
>>> current_claims = claims_dependency(verifier)
>>> @app.get("/me")
... def me(claims: dict = Depends(current_claims)): return {"sub": claims["sub"]}

Install with the ``fastapi`` extra. Imported only when used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import HTTPException, Request

from sesame_verify.errors import TokenError
from sesame_verify.headers import UNAUTHENTICATED_BODY, UNAUTHENTICATED_HEADERS, UNAUTHENTICATED_STATUS, Verifier
from sesame_verify.headers import verify_request as _verify_request


def claims_dependency(verifier: Verifier, *, cookie_name: str | None = None) -> Callable[[Request], dict[str, Any]]:
    """A dependency returning the claims of the request's cookie or bearer token; 401 otherwise.

    The 401's detail is ``{"code": "unauthenticated", ...}``, whatever the reason.
    """
    def current_claims(request: Request) -> dict[str, Any]:
        try:
            return _verify_request(request.headers, verifier, cookie_name=cookie_name)
        except TokenError:
            raise HTTPException(UNAUTHENTICATED_STATUS, detail=UNAUTHENTICATED_BODY["error"],
                                headers=dict(UNAUTHENTICATED_HEADERS)) from None
    return current_claims
