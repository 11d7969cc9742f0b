"""FastAPI: a dependency that gives a route the token's claims, or answers 401.

>>> from sesame_verify.fastapi_auth import claims_dependency, install
>>> install(app)                                  # answers {"error": {...}} like Sesame
>>> current_claims = claims_dependency(verifier)
>>> @app.get("/me")
... def me(claims: dict = Depends(current_claims)): return {"sub": claims["sub"]}

Install with the ``fastapi`` extra. Imported only when used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import JSONResponse

from sesame_verify.errors import TokenError
from sesame_verify.headers import Verifier, refusal
from sesame_verify.headers import verify_request as _verify_request


class Refused(HTTPException):
    """A token that did not verify. With ``install(app)`` it is answered in Sesame's format,
    ``{"error": {"code": ...}}``; without, FastAPI answers ``{"detail": {...}}`` with the same status."""

    def __init__(self, exc: TokenError) -> None:
        status, body, headers = refusal(exc)
        super().__init__(status, detail=body["error"], headers=headers)
        self.body = body


async def _answer(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Refused)
    return JSONResponse(exc.body, status_code=exc.status_code, headers=exc.headers)


def install(app: Any) -> None:
    """Answer refused tokens as ``{"error": {"code": "unauthenticated", ...}}`` (401, with
    ``WWW-Authenticate: Bearer``), or ``unavailable`` (503) when revocation could not be checked."""
    app.add_exception_handler(Refused, _answer)


def claims_dependency(verifier: Verifier, *, cookie_name: str | None = None) -> Callable[[Request], dict[str, Any]]:
    """A dependency returning the claims of the request's cookie or bearer token; ``Refused`` otherwise."""
    def current_claims(request: Request) -> dict[str, Any]:
        try:
            return _verify_request(request.headers, verifier, cookie_name=cookie_name)
        except TokenError as exc:
            raise Refused(exc) from None
    return current_claims
