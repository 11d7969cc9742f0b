"""The gaps moto_patch and devstack.tokens close: RevokeToken, GlobalSignOut
outside us-east-1, token lifetimes from the app client's settings, atomic
DynamoDB writes, and KMS key states."""

from __future__ import annotations

from typing import Any

import jwt
import pytest
from botocore.exceptions import ClientError

from tests.devstack.conftest import EMAIL, answer, make_pool


@pytest.fixture
def signed_in(idp: Any, script: Any) -> tuple[str, dict[str, Any]]:
    _, client_id = make_pool(idp, AccessTokenValidity=15, IdTokenValidity=20,
                             TokenValidityUnits={"AccessToken": "minutes", "IdToken": "minutes"})
    started = idp.initiate_auth(ClientId=client_id, AuthFlow="CUSTOM_AUTH",
                                AuthParameters={"USERNAME": EMAIL})
    return client_id, answer(idp, client_id, started, "424242")["AuthenticationResult"]


def refresh(idp: Any, client_id: str, token: str) -> Any:
    return idp.initiate_auth(ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH",
                             AuthParameters={"REFRESH_TOKEN": token})


def error_code(call: Any) -> str:
    with pytest.raises(ClientError) as caught:
        call()
    return str(caught.value.response["Error"]["Code"])


def test_revoke_token_ends_the_refresh_token_and_its_access_tokens(
        idp: Any, signed_in: tuple[str, dict[str, Any]]) -> None:
    # [REVOKE] [REVOKING]
    client_id, tokens = signed_in
    refreshed = refresh(idp, client_id, tokens["RefreshToken"])["AuthenticationResult"]
    assert idp.get_user(AccessToken=refreshed["AccessToken"])["Username"]
    idp.revoke_token(Token=tokens["RefreshToken"], ClientId=client_id)
    assert error_code(lambda: refresh(idp, client_id, tokens["RefreshToken"])) == "NotAuthorizedException"
    for access in (tokens["AccessToken"], refreshed["AccessToken"]):
        assert error_code(lambda a=access: idp.get_user(AccessToken=a)) == "NotAuthorizedException"
    # Revoking again is not an error (RFC 7009 section 2.2).
    idp.revoke_token(Token=tokens["RefreshToken"], ClientId=client_id)


def test_revoke_token_refuses_a_token_of_another_client(
        idp: Any, signed_in: tuple[str, dict[str, Any]]) -> None:
    client_id, tokens = signed_in
    pool_id = jwt.decode(tokens["IdToken"], options={"verify_signature": False})["iss"].rsplit("/", 1)[1]
    other = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="other")["UserPoolClient"]["ClientId"]
    assert error_code(lambda: idp.revoke_token(Token=tokens["RefreshToken"], ClientId=other)) == \
        "UnauthorizedException"
    assert refresh(idp, client_id, tokens["RefreshToken"])["AuthenticationResult"]


def test_revoke_token_when_revocation_is_disabled(idp: Any, script: Any) -> None:
    _, client_id = make_pool(idp, EnableTokenRevocation=False)
    started = idp.initiate_auth(ClientId=client_id, AuthFlow="CUSTOM_AUTH",
                                AuthParameters={"USERNAME": EMAIL})
    tokens = answer(idp, client_id, started, "424242")["AuthenticationResult"]
    assert error_code(lambda: idp.revoke_token(Token=tokens["RefreshToken"], ClientId=client_id)) == \
        "UnsupportedOperationException"


def test_global_sign_out_works_outside_us_east_1(
        idp: Any, signed_in: tuple[str, dict[str, Any]]) -> None:
    # [SIGNOUT]; the stack runs in eu-west-1, where moto alone raises NotAuthorized.
    assert idp.meta.region_name == "eu-west-1"
    client_id, tokens = signed_in
    idp.global_sign_out(AccessToken=tokens["AccessToken"])
    assert error_code(lambda: refresh(idp, client_id, tokens["RefreshToken"])) == "NotAuthorizedException"
    assert error_code(lambda: idp.get_user(AccessToken=tokens["AccessToken"])) == "NotAuthorizedException"


def test_token_lifetimes_follow_the_app_client(signed_in: tuple[str, dict[str, Any]]) -> None:
    # [CLIENT] AccessTokenValidity / IdTokenValidity with TokenValidityUnits.
    _, tokens = signed_in
    access = jwt.decode(tokens["AccessToken"], options={"verify_signature": False})
    id_token = jwt.decode(tokens["IdToken"], options={"verify_signature": False})
    assert access["exp"] - access["iat"] == 15 * 60
    assert id_token["exp"] - id_token["iat"] == 20 * 60
    assert tokens["ExpiresIn"] == 15 * 60


def test_conditional_writes_are_atomic_under_concurrency(stack: Any) -> None:
    # [DDBCOND]: of 20 concurrent "create if absent", exactly one succeeds.
    from concurrent.futures import ThreadPoolExecutor

    from chalicelib import aws

    ddb = aws.client("dynamodb")
    table = stack.env["SESAME_TABLE"]

    def create(i: int) -> bool:
        try:
            ddb.put_item(TableName=table, Item={"pk": {"S": "race"}, "who": {"N": str(i)}},
                         ConditionExpression="attribute_not_exists(pk)")
            return True
        except ClientError:
            return False

    for _ in range(5):
        ddb.delete_item(TableName=table, Key={"pk": {"S": "race"}})
        with ThreadPoolExecutor(max_workers=20) as pool:
            assert sum(pool.map(create, range(20))) == 1


def test_kms_refuses_a_disabled_key(stack: Any) -> None:
    # [KMSSTATE]: moto alone encrypts and decrypts with a disabled key.
    from chalicelib import aws

    kms = aws.client("kms")
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    blob = kms.encrypt(KeyId=key, Plaintext=b"x")["CiphertextBlob"]
    kms.disable_key(KeyId=key)
    assert error_code(lambda: kms.encrypt(KeyId=key, Plaintext=b"x")) == "DisabledException"
    assert error_code(lambda: kms.decrypt(CiphertextBlob=blob)) == "DisabledException"
    kms.enable_key(KeyId=key)
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"x"


def test_request_dispatch_reads_its_fixed_lists_once(stack: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # moto listed its package directory and inspected the response class on every request.
    import os

    import moto.core.responses as moto_responses
    from moto import backends
    from moto.dynamodb.responses import DynamoHandler

    def no_listing(path: str) -> list[str]:
        raise AssertionError(f"listed {path} during a request")

    monkeypatch.setattr(os, "listdir", no_listing)
    assert "dynamodb" in backends.list_of_moto_modules()
    first = moto_responses.method_names_from_class(DynamoHandler)
    assert moto_responses.method_names_from_class(DynamoHandler) is first and "transact_write_items" in first
