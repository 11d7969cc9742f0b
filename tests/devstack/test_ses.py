"""devstack.ses: SES v2 as strict as AWS on configuration sets, the suppression list and the sandbox."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto.ses.models import ses_backends

from chalicelib import aws
from chalicelib.config import brand, settings
from devstack import ses
from devstack.bootstrap import ACCOUNT_ID
from devstack.stack import LocalStack
from tests.conftest import inbox

SENDER = "no-reply@sesame.localhost"


def _send(to: str, configuration_set: str | None = None) -> dict[str, Any]:
    extra = {"ConfigurationSetName": configuration_set} if configuration_set else {}
    return aws.client("sesv2").send_email(  # type: ignore[no-any-return]
        FromEmailAddress=SENDER, Destination={"ToAddresses": [to]},
        Content={"Raw": {"Data": f"From: {SENDER}\nTo: {to}\nSubject: hello\n\nhi\n".encode()}}, **extra)


def _code(call: Any) -> str:
    with pytest.raises(ClientError) as caught:
        call()
    return str(caught.value.response["Error"]["Code"])


@pytest.fixture
def backend(stack: LocalStack) -> Any:
    yield ses_backends[ACCOUNT_ID][settings().region]
    ses.sandbox(ses_backends[ACCOUNT_ID][settings().region], False)


def test_a_configuration_set_that_does_not_exist_fails_the_send(backend: Any) -> None:
    assert _code(lambda: _send("ada@example.com", "no-such-set")) == "NotFoundException"
    assert _send("ada@example.com", brand().ses_configuration_set)["MessageId"]
    assert len(inbox("ada@example.com")) == 1


def test_the_suppression_list_api(backend: Any) -> None:
    client = aws.client("sesv2")
    assert _code(lambda: client.get_suppressed_destination(EmailAddress="Ada@Example.com")) == "NotFoundException"
    client.put_suppressed_destination(EmailAddress="Ada@Example.com", Reason="BOUNCE")
    found = client.get_suppressed_destination(EmailAddress="ada@example.com")["SuppressedDestination"]
    assert (found["EmailAddress"], found["Reason"]) == ("ada@example.com", "BOUNCE")
    listed = client.list_suppressed_destinations()["SuppressedDestinationSummaries"]
    assert [e["EmailAddress"] for e in listed] == ["ada@example.com"]
    assert _code(lambda: client.put_suppressed_destination(EmailAddress="b@example.com", Reason="SPAM")) \
        == "BadRequestException"
    client.delete_suppressed_destination(EmailAddress="ada@example.com")
    assert _code(lambda: client.delete_suppressed_destination(EmailAddress="ada@example.com")) == "NotFoundException"


def test_a_suppressed_address_is_accepted_and_never_delivered(backend: Any) -> None:
    aws.client("sesv2").put_suppressed_destination(EmailAddress="gone@example.com", Reason="COMPLAINT")
    assert _send("gone@example.com", brand().ses_configuration_set)["MessageId"]
    assert _send("here@example.com", brand().ses_configuration_set)["MessageId"]
    assert inbox("gone@example.com") == [] and len(inbox("here@example.com")) == 1


def test_the_sandbox_refuses_unverified_recipients(backend: Any) -> None:
    client = aws.client("sesv2")
    assert client.get_account()["ProductionAccessEnabled"] is True
    ses.sandbox(backend, True)
    assert client.get_account()["ProductionAccessEnabled"] is False
    with pytest.raises(ClientError) as caught:
        _send("ada@example.com")
    assert caught.value.response["Error"]["Code"] == "MessageRejected"
    assert "Email address is not verified" in caught.value.response["Error"]["Message"]
    client.create_email_identity(EmailIdentity="ada@example.com")  # a verified recipient may receive
    assert _send("ada@example.com")["MessageId"]
    assert len(inbox("ada@example.com")) == 1


def test_send_email_is_authorized_on_the_configuration_set_too(backend: Any) -> None:
    with aws.acting_as("api_handler"):
        assert _code(lambda: _send("ada@example.com", "another-stage")) == "AccessDeniedException"
        assert _send("ada@example.com", brand().ses_configuration_set)["MessageId"]
        # The suppression list has no resource: the API's role reads it; the triggers' roles cannot.
        assert _code(lambda: aws.client("sesv2").get_suppressed_destination(EmailAddress="a@b.c")) \
            == "NotFoundException"
    with aws.acting_as("verify_auth_challenge"):
        assert _code(lambda: aws.client("sesv2").get_suppressed_destination(EmailAddress="a@b.c")) \
            == "AccessDeniedException"


def test_signed_rest_gets_pass_the_signature_check(stack: LocalStack) -> None:
    """moto hashed a GET's headers as its payload: every signed SES v2 GET failed."""
    identity = aws.client("sesv2").get_email_identity(EmailIdentity="sesame.localhost")
    assert identity["VerifiedForSendingStatus"] is True  # the local stage's sender counts as verified


def test_in_the_sandbox_a_send_is_authorized_on_the_recipients_identity_too(backend: Any) -> None:
    from devstack import iam
    from infra import policies

    ses.sandbox(backend, True)
    aws.client("sesv2").create_email_identity(EmailIdentity="ada@example.com")  # a verified recipient
    body = {"FromEmailAddress": settings().sender, "Destination": {"ToAddresses": ["ada@example.com"]},
            "ConfigurationSetName": brand().ses_configuration_set}
    asked = iam.requests_of("ses", "SendEmail", body, ACCOUNT_ID, settings().region)
    assert [r[1].rsplit(":", 1)[1] for r in asked][-1] == "identity/ada@example.com"
    granted = policies.policy("local", "api_handler")
    assert all(iam.allowed([granted], *request) for request in asked)
    without = {**granted, "Statement": [s for s in granted["Statement"] if s["Sid"] != "Apisesrecipients"]}
    assert not all(iam.allowed([without], *request) for request in asked)  # what AWS refuses in the sandbox
    with aws.acting_as("api_handler"):
        assert _send("ada@example.com", brand().ses_configuration_set)["MessageId"]
    ses.sandbox(backend, False)
    assert iam.requests_of("ses", "SendEmail", body, ACCOUNT_ID, settings().region) == asked[:-1]
