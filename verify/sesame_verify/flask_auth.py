"""Flask: a decorator that lets a view run only with a valid token.

>>> from sesame_verify.flask_auth import current_claims, login_required
>>> @app.get("/me")
... @login_required(verifier)
... def me(): return {"sub": current_claims()["sub"]}

Install with the ``flask`` extra. Imported only when used.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import g, jsonify, request

from sesame_verify.errors import TokenError
from sesame_verify.headers import Verifier, refusal
from sesame_verify.headers import verify_request as _verify_request

View = Callable[..., Any]


def login_required(verifier: Verifier, *, cookie_name: str | None = None) -> Callable[[View], View]:
    """Decorate a view (under ``@app.route``): 401 JSON unless the cookie or bearer token verifies
    (503 when a revocation check could not be made).
    The claims are then ``current_claims()`` (``flask.g.sesame_claims``)."""
    def decorator(view: View) -> View:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                g.sesame_claims = _verify_request(request.headers, verifier, cookie_name=cookie_name)
            except TokenError as exc:
                status, body, headers = refusal(exc)
                return jsonify(body), status, headers
            return view(*args, **kwargs)
        return wrapper
    return decorator


def current_claims() -> dict[str, Any]:
    """The claims ``login_required`` verified for this request."""
    claims: dict[str, Any] = g.sesame_claims
    return claims
