"""CloudFormation's change-set and stack-state rules that moto 5.2.5 skips.

* A change set's name is unique per stack: creating one whose name a change set
  of the stack still holds fails with AlreadyExistsException.          [CSNAME]
* Executing a change set removes every change set of the stack.          [CSEXEC]
* A stack left in ROLLBACK_COMPLETE (a failed first create) can only be
  deleted; one in UPDATE_ROLLBACK_FAILED needs ContinueUpdateRollback; one with
  an operation in progress takes no other: an UPDATE change set on any of them
  fails with ValidationError "... is in <status> state and can not be updated."
                                                                         [STATES]
* ``leave(name, status)`` puts a stack in the state a failed operation leaves
  (moto applies every change set in full and never rolls back).

[CSNAME] https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateChangeSet.html#API_CreateChangeSet_Errors
[CSEXEC] https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ExecuteChangeSet.html
         ("CloudFormation deletes all other change sets associated with the stack")
[STATES] https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/troubleshooting.html#troubleshooting-errors-update-rollback-failed
         https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-describing-stacks.html#w2ab1c23c15c17c11
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.cloudformation.exceptions import AlreadyExistsException, ValidationError
from moto.cloudformation.models import CloudFormationBackend, cloudformation_backends

ORIGINALS: dict[str, Callable[..., Any]] = {}
NOT_UPDATABLE = ("ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "UPDATE_ROLLBACK_FAILED", "DELETE_FAILED")


def _live_stack(backend: CloudFormationBackend, name: str) -> Any:
    return next((s for s in backend.stacks.values() if s.name == name or s.stack_id == name), None)


def _create_change_set(self: CloudFormationBackend, stack_name: str, change_set_name: str,
                       *args: Any, **kwargs: Any) -> Any:
    stack = _live_stack(self, stack_name)
    if stack is not None:
        if any(cs.stack_id == stack.stack_id and cs.change_set_name == change_set_name
               for cs in self.change_sets.values()):
            raise AlreadyExistsException(f"ChangeSet {change_set_name} already exists")
        kind = kwargs.get("change_set_type", args[3] if len(args) > 3 else "CREATE")
        if kind == "UPDATE" and (stack.status in NOT_UPDATABLE or stack.status.endswith("_IN_PROGRESS")):
            raise ValidationError(message=f"Stack:{stack.stack_id} is in {stack.status} state and can not be "
                                          f"updated.")
    return ORIGINALS["create_change_set"](self, stack_name, change_set_name, *args, **kwargs)


def _execute_change_set(self: CloudFormationBackend, change_set_name: str, stack_name: str | None = None) -> None:
    ORIGINALS["execute_change_set"](self, change_set_name, stack_name)
    executed = self.change_sets.get(change_set_name) or next(
        (cs for cs in self.change_sets.values() if cs.change_set_name == change_set_name), None)
    if executed is not None:
        for key in [k for k, cs in self.change_sets.items() if cs.stack_id == executed.stack_id]:
            del self.change_sets[key]


def leave(account: str, region: str, name: str, status: str) -> None:
    """Put stack ``name`` in ``status``, as a failed operation would leave it."""
    stack = _live_stack(cloudformation_backends[account][region], name)
    stack.status = status
    stack._add_stack_event(status, resource_status_reason="The following resource(s) failed to create: [Table]")


PATCHES: dict[str, tuple[type, Callable[..., Any]]] = {
    "create_change_set": (CloudFormationBackend, _create_change_set),
    "execute_change_set": (CloudFormationBackend, _execute_change_set),
}
