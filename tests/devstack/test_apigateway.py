"""devstack.apigateway: what Chalice's deployer needs from API Gateway, as
AWS does it. Doc references are in devstack/apigateway.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from chalicelib import aws
from devstack import iam

SWAGGER = {"swagger": "2.0", "info": {"title": "probe", "version": "1"},  # no description: Chalice sends none
           "paths": {"/auth/sign-in": {"post": {
               "responses": {"200": {"description": "ok"}},
               "x-amazon-apigateway-integration": {  # as Chalice writes it
                   "type": "aws_proxy", "httpMethod": "POST",
                   "uri": "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/"
                          "arn:aws:lambda:eu-west-1:123456789012:function:probe/invocations"}}}}}


@pytest.fixture
def api(stack: Any) -> Iterator[tuple[Any, str]]:
    # Without IAM enforcement: moto's signature check fails some API Gateway GETs
    # (the product never calls API Gateway; only the deployer does).
    iam.enforce(False)
    apigateway = aws.client("apigateway")
    rest_api_id = apigateway.import_rest_api(body=json.dumps(SWAGGER).encode())["id"]
    deployment = apigateway.create_deployment(restApiId=rest_api_id)["id"]
    apigateway.create_stage(restApiId=rest_api_id, stageName="dev", deploymentId=deployment)
    yield apigateway, rest_api_id
    iam.enforce(True)


def test_swagger_2_without_a_description_imports(api: tuple[Any, str]) -> None:
    # [IMPORT]
    apigateway, rest_api_id = api
    paths = {r["path"]: set(r.get("resourceMethods", {})) for r in apigateway.get_resources(restApiId=rest_api_id)[
        "items"]}
    assert paths["/auth/sign-in"] == {"POST"}


@pytest.mark.parametrize(("path", "valid"), [
    ("/*/*/throttling/rateLimit", True), ("/~1auth~1sign-in/POST/throttling/rateLimit", True),
    ("/~1auth~1sign-in/GET/throttling/rateLimit", False), ("/~1auth~1nowhere/POST/throttling/rateLimit", False),
    ("/auth/sign-in/POST/throttling/rateLimit", False)])
def test_method_setting_paths_must_name_a_method_of_the_api(api: tuple[Any, str], path: str, valid: bool) -> None:
    # [SETTING]
    apigateway, rest_api_id = api

    def update() -> Any:
        return apigateway.update_stage(restApiId=rest_api_id, stageName="dev",
                                       patchOperations=[{"op": "replace", "path": path, "value": "3"}])

    if valid:
        update()
        return
    with pytest.raises(ClientError) as caught:
        update()
    assert caught.value.response["Error"]["Code"] == "BadRequestException"
