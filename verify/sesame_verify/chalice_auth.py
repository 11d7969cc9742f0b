"""Chalice integration: a route decorator and a Lambda authorizer.

Imported only when used, so services on other frameworks never need chalice.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from sesame_verify.errors import MissingTokenError, TokenError
from sesame_verify.headers import Verifier, refusal, verify_request

CLAIMS_KEY = "sesame_claims"


def _refused(exc: TokenError) -> Any:
    from chalice import Response

    status, body, headers = refusal(exc)
    return Response(body, status_code=status, headers=dict[str, Any](headers))


View = Callable[..., Any]


def login_required(app: Any, verifier: Verifier) -> Callable[[View], View]:
    """Decorate a route: 401 unless the request carries a valid token (503 when a
    revocation check could not be made).

    The claims are put in ``app.current_request.context["sesame_claims"]``.
    Put it *under* ``@app.route(...)``.
    """
    def decorator(view: View) -> View:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            request = app.current_request
            try:
                claims = verify_request(request.headers, verifier)
            except TokenError as exc:
                return _refused(exc)
            request.context[CLAIMS_KEY] = claims
            return view(*args, **kwargs)
        return wrapper
    return decorator


def authorizer(verifier: Verifier) -> Callable[[Any], Any]:
    """A function for ``app.authorizer()``: a Lambda (TOKEN) authorizer over
    the ``Authorization: Bearer`` header. Cookies need ``login_required``."""
    from chalice import AuthResponse

    def authorize(auth_request: Any) -> Any:
        scheme, _, token = str(auth_request.token or "").partition(" ")
        try:
            if scheme.lower() != "bearer":
                raise MissingTokenError("not a bearer token")
            claims = verifier.verify(token.strip())
        except TokenError:
            return AuthResponse(routes=[], principal_id="anonymous")
        return AuthResponse(routes=["*"], principal_id=claims["sub"],
                            context={"sub": claims["sub"], "token_use": claims["token_use"]})
    return authorize
