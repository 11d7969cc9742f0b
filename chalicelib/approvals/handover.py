"""Handing an approved request's session to the one who asked: once, and never lost.

The asker's call claims the request, has Cognito make the session (a grant
code made here and redeemed at once, ``chalicelib.oauth.issue``), marks the
request used and hands the session over. If any step fails, the request is
given back, so the asker's next call gets the session: an approval is never
spent on a session nobody received (docs/fault-matrix.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from chalicelib import audit, errors, tokens
from chalicelib.approvals import store
from chalicelib.oauth import issue

T = TypeVar("T")


class Claimed(Exception):
    """Another call of the asker is taking the session right now."""


class Refused(Exception):
    """No session: the account cannot sign in now (disabled), or the request expired meanwhile."""


def hand_over(request: store.Request, client_id: str, then: Callable[[tokens.Session], T]) -> T:
    """``then`` of the approved request's new session (the session recorded by ``then``)."""
    if not store.claim(request):
        raise Claimed()

    def handed(session: tokens.Session) -> T:
        if not store.finish(request):
            raise issue.GrantRefused()
        return then(session)

    try:
        return issue.approved(request.sub, request.email, client_id, request.scope, handed)
    except issue.GrantRefused:
        audit.best_effort("approval.give_back_failed", lambda: store.give_back(request))
        raise Refused()
    except errors.DEPENDENCY_FAILURES:
        audit.best_effort("approval.give_back_failed", lambda: store.give_back(request))
        raise
