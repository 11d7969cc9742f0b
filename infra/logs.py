"""Log retention of the API function's log group.

``chalice deploy`` creates a log group with the configured retention for
every function, but for the API handler it names the group after the
function's config name (``/aws/lambda/sesame-<stage>-api_handler``) while
the function is ``sesame-<stage>``: the API's real log group would keep
logs forever. ``make resources`` (and the rehearsal) sets it here.
"""

from __future__ import annotations

from typing import Any

from infra.settings import function_setting
from infra.template import function_name


def apply(logs: Any, stage: str) -> None:
    days = function_setting(stage, "api_handler", "log_retention_in_days")
    if not days:
        return
    group = f"/aws/lambda/{function_name(stage, 'api_handler')}"
    try:
        logs.create_log_group(logGroupName=group)
    except logs.exceptions.ResourceAlreadyExistsException:
        pass
    logs.put_retention_policy(logGroupName=group, retentionInDays=int(days))
