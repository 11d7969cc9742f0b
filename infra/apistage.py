"""The REST API stage's settings that Chalice does not manage: per-route,
per-method throttling and detailed metrics, from ``infra/stages.json``.

``chalice deploy`` owns the API and its stage, so these are applied to that
stage with UpdateStage (idempotent) by ``python -m infra.resources`` after
every resource deploy, and by the rehearsal. A method setting's path is
``/<resource path, each / as ~1>/<METHOD>/<setting>``; ``/*/*/`` is every method.
"""

from __future__ import annotations

from typing import Any

from infra.template import api_stage, deploy_settings

API_NAME = "sesame"  # Chalice names the REST API after app_name


def setting_key(route: str) -> str:
    """``POST /auth/sign-in`` -> ``~1auth~1sign-in/POST`` (``*/*`` for the default)."""
    if route == "default":
        return "*/*"
    method, path = route.split(" ", 1)
    return f"{path.replace('/', '~1')}/{method}"


def patch_operations(stage: str) -> list[dict[str, str]]:
    operations = []
    for route, (rate, burst) in deploy_settings(stage)["throttling"].items():
        key = setting_key(route)
        operations += [
            {"op": "replace", "path": f"/{key}/throttling/rateLimit", "value": str(rate)},
            {"op": "replace", "path": f"/{key}/throttling/burstLimit", "value": str(burst)},
            {"op": "replace", "path": f"/{key}/metrics/enabled", "value": "true"},
        ]
    return operations


def find_rest_api(apigateway: Any, stage: str) -> str:
    """The id of the REST API chalice deploy made for ``stage`` (its stage name is the stage's own)."""
    wanted = api_stage(stage)
    found = [api["id"] for api in apigateway.get_rest_apis(limit=500)["items"] if api["name"] == API_NAME
             and any(s["stageName"] == wanted for s in apigateway.get_stages(restApiId=api["id"])["item"])]
    if len(found) != 1:
        raise LookupError(f"expected one REST API '{API_NAME}' with a stage '{wanted}', found {len(found)}: "
                          f"run `chalice deploy --stage {stage}` first")
    return str(found[0])


def apply(apigateway: Any, stage: str, rest_api_id: str) -> None:
    apigateway.update_stage(restApiId=rest_api_id, stageName=api_stage(stage),
                            patchOperations=patch_operations(stage))
