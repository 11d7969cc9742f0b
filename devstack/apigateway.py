"""API Gateway as Chalice's deployer meets it, where moto 5.2.5 differs.

[IMPORT]  https://docs.aws.amazon.com/apigateway/latest/api/API_ImportRestApi.html
          and https://docs.aws.amazon.com/apigateway/latest/developerguide/import-edge-optimized-api.html
          ("API Gateway supports OpenAPI v2.0 and OpenAPI v3.0 definition files"; the
          description is optional). moto refuses Swagger 2.0, which Chalice sends, and
          fails on a document without ``info.description``.
[BINARY]  https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-binary-media-types.html
          (``x-amazon-apigateway-binary-media-types``: the API's binary media types, set by an
          import; Chalice declares its binary types so). moto ignores the extension.
[SETTING] https://docs.aws.amazon.com/apigateway/latest/api/API_UpdateStage.html and
          https://docs.aws.amazon.com/apigateway/latest/api/patch-operations.html#UpdateStage-Patch
          (a method setting path is ``/{resource path with / as ~1}/{HTTP method}/{setting}``,
          or ``/*/*/...`` for all; a path naming no resource or method of the API is a
          BadRequestException). moto accepts any path, so a mistyped one passed unseen.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

from moto.apigateway.exceptions import BadRequestException
from moto.apigateway.models import APIGatewayBackend

ORIGINALS: dict[str, Callable[..., Any]] = {}
_STAGE_PATHS = ("/deploymentId", "/description", "/cacheClusterEnabled", "/cacheClusterSize",
                "/clientCertificateId", "/tracingEnabled", "/accessLogSettings", "/variables/", "/canarySettings")
_METHOD_SETTING = re.compile(r"/([^/]+)/([^/]+)/(metrics|logging|throttling|caching)/.+")


def _as_openapi3(api_doc: dict[str, Any]) -> dict[str, Any]:
    """[IMPORT] moto reads paths and methods alike in both versions; only its version check differs."""
    if "swagger" not in api_doc:
        return api_doc
    converted = copy.deepcopy(api_doc)
    converted.pop("swagger")
    converted["openapi"] = "3.0.1"
    return converted


def import_rest_api(self: APIGatewayBackend, api_doc: dict[str, Any], fail_on_warnings: bool) -> Any:
    doc = _as_openapi3(api_doc)
    info = doc.setdefault("info", {})
    info.setdefault("description", "")
    return _with_binary_types(ORIGINALS["import_rest_api"](self, doc, fail_on_warnings), doc)


def put_rest_api(self: APIGatewayBackend, function_id: str, api_doc: dict[str, Any], fail_on_warnings: bool,
                 mode: str = "merge") -> Any:
    return _with_binary_types(ORIGINALS["put_rest_api"](self, function_id, _as_openapi3(api_doc), fail_on_warnings,
                                                         mode), api_doc)


def _with_binary_types(api: Any, doc: dict[str, Any]) -> Any:
    """[BINARY]"""
    if "x-amazon-apigateway-binary-media-types" in doc:
        api.binaryMediaTypes = list(doc["x-amazon-apigateway-binary-media-types"])
    return api


def _check_setting_path(backend: APIGatewayBackend, function_id: str, path: str) -> None:
    """[SETTING]"""
    if path.startswith(_STAGE_PATHS):
        return
    match = _METHOD_SETTING.fullmatch(path)
    if match and match.group(1) == "*" and match.group(2) == "*":
        return
    api = backend.get_rest_api(function_id)
    resource_path, method = (match.group(1), match.group(2)) if match else ("", "")
    found = api.get_resource_for_path(resource_path.replace("~1", "/")) if resource_path.startswith("~1") else None
    if found is None or (method != "*" and method not in found.resource_methods):
        raise BadRequestException(f"Invalid method setting path: {path}. Must be one of: "
                                  "[/deploymentId, /description, /cacheClusterEnabled, /cacheClusterSize, "
                                  "/clientCertificateId, /accessLogSettings, /{resourcePath}/{httpMethod}/...]")


def update_stage(self: APIGatewayBackend, function_id: str, stage_name: str, patch_operations: Any) -> Any:
    for operation in patch_operations or []:
        _check_setting_path(self, function_id, str(operation.get("path", "")))
    return ORIGINALS["update_stage"](self, function_id, stage_name, patch_operations)


PATCHES: dict[str, tuple[type, Any]] = {
    "import_rest_api": (APIGatewayBackend, import_rest_api),
    "put_rest_api": (APIGatewayBackend, put_rest_api),
    "update_stage": (APIGatewayBackend, update_stage),
}
