"""Wiping the embedded AWS between tests, keeping the identities when nothing changed them.

A full wipe (moto's ``/moto-api/reset``) also drops IAM and STS, so every bootstrap made
the nine roles, their policies, their assumed-role sessions and the operator again: a third
of a reset, paid by every test. Identities are not test data: ``wipe`` keeps IAM and STS
when they are exactly as the last bootstrap left them (a fingerprint of every role, user,
policy and key), and wipes everything when a test touched them.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field

from moto.core.base_backend import BackendDict, backend_lock
from moto.core.model_instances import reset_model_data
from moto.iam.models import iam_backends

KEPT = ("iam", "sts")
# The roles' sessions last 12 hours (bootstrap.create_roles): a stack up for longer makes them again.
KEEP_FOR = 3600.0


@dataclass(frozen=True)
class Identities:
    """What a bootstrap made in IAM and STS, to use again while nothing changed it."""

    roles: dict[str, dict[str, str]]  # function -> its assumed role's credentials
    operator: dict[str, str]  # the operator's environment credentials
    fingerprint: str = field(default_factory=lambda: identities())
    made_at: float = field(default_factory=time.monotonic)

    def still_good(self) -> bool:
        return time.monotonic() - self.made_at < KEEP_FOR and identities() == self.fingerprint


def identities() -> str:
    """A fingerprint of the account's IAM state: roles, users, their policies and keys."""
    state: list[object] = []
    for account in list(iam_backends.values()):
        for backend in list(account.values()):
            for role in backend.roles.values():
                state.append(("role", role.name, role.assume_role_policy_document, sorted(role.policies.items()),
                              sorted(role.managed_policies), role.permissions_boundary_arn))
            for user in backend.users.values():
                state.append(("user", user.name, sorted(user.policies.items()), sorted(user.managed_policies),
                              sorted((key.access_key_id, key.status) for key in user.access_keys)))
            state.append(("groups", sorted(backend.groups), "policies", sorted(backend.managed_policies)))
    return hashlib.sha256(json.dumps(state, default=str, sort_keys=True).encode()).hexdigest()


def keeping_identities() -> None:
    """Every service back to empty except IAM and STS (as moto's reset, for the others)."""
    with backend_lock:
        # The live list, as moto's reset walks it: resetting one backend can create another
        # (SES v2's holds SES's), which is appended and must be emptied too.
        for backends in BackendDict._instances:  # type: ignore[misc]
            if backends.service_name not in KEPT:
                for account in backends.values():
                    account.reset()
                backends.clear()
        BackendDict._instances[:] = [b for b in BackendDict._instances  # type: ignore[misc]
                                     if b.service_name in KEPT]
    # Only the model listing of /moto-api/data reads it: IAM's entries go too, which is harmless.
    reset_model_data()
