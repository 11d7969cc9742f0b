"""devstack.attributes: a user's own UpdateUserAttributes, authorized by the
access token and limited by the app client's WriteAttributes, and an address
that changes stops being verified. Doc references are in devstack/attributes.py."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from devstack.stack import REGION, LocalStack
from tests.devstack.conftest import EMAIL, Script, make_pool
from tests.devstack.test_users import signed_in


def _attributes(idp: Any, pool_id: str, username: str) -> dict[str, str]:
    return {a["Name"]: a["Value"] for a in idp.admin_get_user(UserPoolId=pool_id, Username=username)["UserAttributes"]}


def _own(stack: LocalStack) -> Any:
    """[TOKENAUTH] A user's own app: no AWS credentials, just the token."""
    return boto3.client("cognito-idp", endpoint_url=stack.endpoint, region_name=REGION,
                        config=Config(signature_version=UNSIGNED))


def test_the_write_list_refuses_what_it_does_not_name(idp: Any, script: Script, stack: LocalStack) -> None:
    pool_id, client_id = make_pool(idp, WriteAttributes=["name"])
    token = signed_in(idp, client_id)["AccessToken"]
    with pytest.raises(ClientError) as refused:
        _own(stack).update_user_attributes(AccessToken=token, UserAttributes=[{"Name": "email", "Value": "b@x.org"}])
    assert refused.value.response["Error"]["Code"] == "NotAuthorizedException"
    _own(stack).update_user_attributes(AccessToken=token, UserAttributes=[{"Name": "name", "Value": "Ada"}])
    assert _attributes(idp, pool_id, EMAIL)["name"] == "Ada"


def test_without_a_list_an_address_change_is_written_and_unverified(idp: Any, script: Script,
                                                                    stack: LocalStack) -> None:
    pool_id, client_id = make_pool(idp)
    token = signed_in(idp, client_id)["AccessToken"]
    _own(stack).update_user_attributes(AccessToken=token, UserAttributes=[{"Name": "email", "Value": "b@x.org"}])
    assert _attributes(idp, pool_id, "b@x.org")["email_verified"] == "false"
    with pytest.raises(ClientError) as refused:
        _own(stack).update_user_attributes(AccessToken="not-a-token", UserAttributes=[])
    assert refused.value.response["Error"]["Code"] == "NotAuthorizedException"


def test_an_administrator_change_is_unverified_unless_the_call_verifies_it(idp: Any, script: Script) -> None:
    pool_id, _ = make_pool(idp)
    idp.admin_update_user_attributes(UserPoolId=pool_id, Username=EMAIL,
                                     UserAttributes=[{"Name": "email", "Value": "c@x.org"}])
    assert _attributes(idp, pool_id, "c@x.org")["email_verified"] == "false"
    idp.admin_update_user_attributes(UserPoolId=pool_id, Username="c@x.org", UserAttributes=[
        {"Name": "email", "Value": "d@x.org"}, {"Name": "email_verified", "Value": "true"}])
    assert _attributes(idp, pool_id, "d@x.org")["email_verified"] == "true"
    idp.admin_update_user_attributes(UserPoolId=pool_id, Username="d@x.org",
                                     UserAttributes=[{"Name": "name", "Value": "D"}])
    assert _attributes(idp, pool_id, "d@x.org")["email_verified"] == "true"  # the address did not change
