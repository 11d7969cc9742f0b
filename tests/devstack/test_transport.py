"""devstack.transport: botocore's calls to the embedded AWS answered in-process, and still
answered as the server answers them (IAM, errors, late answers cut off by the socket's timeouts)."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from typing import Any

import botocore.httpsession
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ReadTimeoutError

from chalicelib import aws
from devstack import custom_auth, slow, transport
from tests.devstack.conftest import ARN, EMAIL, Script, answer, make_pool

_caller: contextvars.ContextVar[str] = contextvars.ContextVar("test_caller", default="")


@pytest.fixture
def sockets(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The URLs botocore sent over a socket."""
    sent: list[str] = []
    original = botocore.httpsession.URLLib3Session.send

    def send(self: Any, request: Any) -> Any:
        sent.append(request.url)
        return original(self, request)

    monkeypatch.setattr(botocore.httpsession.URLLib3Session, "send", send)
    yield sent
    slow.clear()


def test_a_call_opens_no_socket_and_gets_the_servers_answer(stack: Any, sockets: list[str]) -> None:
    table = stack.env["SESAME_TABLE"]
    described = aws.client("dynamodb").describe_table(TableName=table)["Table"]
    assert (described["TableName"], sockets) == (table, [])
    with pytest.raises(ClientError) as refused:
        aws.client("dynamodb").describe_table(TableName="no-such-table")
    assert (refused.value.response["Error"]["Code"], sockets) == ("ResourceNotFoundException", [])


def test_iam_still_decides_each_call(stack: Any, sockets: list[str]) -> None:
    with aws.acting_as("define_auth_challenge"), pytest.raises(ClientError) as refused:
        aws.client("ssm").put_parameter(Name="/sesame/x", Value="y", Type="String")
    assert (refused.value.response["Error"]["Code"], sockets) == ("AccessDeniedException", [])


def test_a_late_answer_goes_over_the_socket_so_the_read_timeout_cuts_it_off(
        stack: Any, sockets: list[str]) -> None:
    client = aws._sessions[0].client("dynamodb", config=Config(read_timeout=0.5, retries={"total_max_attempts": 1}))
    slow.delay("dynamodb", 1.0)
    with pytest.raises(ReadTimeoutError):
        client.list_tables()
    assert len(sockets) == 1 and sockets[0].startswith(stack.endpoint)
    assert client.list_tables()["TableNames"] and len(sockets) == 1  # in-process again


def test_a_trigger_does_not_see_the_callers_context(idp: Any, script: Script, sockets: list[str]) -> None:
    # Over the socket, Cognito (and so a trigger) runs on the server's thread. In-process it runs on
    # the caller's: the API request's role, deadline and audit record must not reach the trigger.
    seen: list[str] = []

    def define(event: dict[str, Any], context: Any) -> dict[str, Any]:
        seen.append(_caller.get())
        return script.define(event, context)

    custom_auth.register_lambda(ARN.format("define"), define)
    client_id = make_pool(idp)[1]
    token = _caller.set("the api request")
    try:
        started = idp.initiate_auth(ClientId=client_id, AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": EMAIL})
        assert answer(idp, client_id, started, "424242")["AuthenticationResult"]
    finally:
        _caller.reset(token)
    assert (seen, sockets) == (["", ""], [])


def test_a_failing_emulator_answers_500_as_the_server_would(stack: Any, sockets: list[str],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(environ: dict[str, Any], start_response: Any) -> Any:
        raise RuntimeError("a bug in the emulator")

    monkeypatch.setitem(transport._apps, stack.endpoint, broken)
    client = aws._sessions[0].client("dynamodb", config=Config(retries={"total_max_attempts": 1}))
    with pytest.raises(ClientError) as failed:
        client.list_tables()
    assert (failed.value.response["ResponseMetadata"]["HTTPStatusCode"], sockets) == (500, [])
