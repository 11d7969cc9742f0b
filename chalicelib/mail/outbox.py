"""Sending through SES v2: the stage's configuration set, the account-level
suppression list, and SES's refusals turned into our answers.

Every message is raw MIME (a text and an HTML part) sent with the stage's
configuration set, whose event destination feeds the bounce and complaint
metrics and whose suppression options put bouncing and complaining addresses
on the account-level suppression list:
https://docs.aws.amazon.com/ses/latest/dg/sending-email-suppression-list.html
"""

from __future__ import annotations

import hashlib
import time
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from botocore.exceptions import ClientError

from chalicelib import aws, errors
from chalicelib.config import brand, settings
from chalicelib.mail.composer import Email

# SendEmail's documented errors (SES v2 API reference, SendEmail: Errors).
THROTTLED = frozenset({"TooManyRequestsException", "LimitExceededException", "Throttling"})
# AccessDeniedException: IAM refused the send; in the SES sandbox, SES also authorizes it on the
# recipient's identity (infra/policies.py grants that for the stage's own sender).
REFUSED = frozenset({"MessageRejected", "MailFromDomainNotVerifiedException", "AccountSuspendedException",
                     "SendingPausedException", "NotFoundException", "AccessDeniedException"})
RETRY_AFTER_SECONDS = 60


# GetSuppressedDestination has a low request rate of its own (SES v2 quotas): an answer
# "not on the list" is kept a minute per Lambda instance (by the address's hash), so a burst
# of requests for one address asks once. A suppression SES adds meanwhile is seen within it.
NOT_SUPPRESSED_SECONDS = 60
_MAX_REMEMBERED = 10_000
_not_suppressed: dict[str, float] = {}


def suppressed(to: str) -> str | None:
    """Why ``to`` is on the account-level suppression list (BOUNCE, COMPLAINT), or None."""
    key, now = hashlib.sha256(to.encode("utf-8")).hexdigest(), time.monotonic()
    if _not_suppressed.get(key, 0.0) > now:
        return None
    try:
        found = aws.client("sesv2").get_suppressed_destination(EmailAddress=to)
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "NotFoundException":
            if len(_not_suppressed) >= _MAX_REMEMBERED:
                _not_suppressed.clear()
            _not_suppressed[key] = now + NOT_SUPPRESSED_SECONDS
            return None
        raise
    return str(found["SuppressedDestination"]["Reason"])


def forget_answers() -> None:
    """Drop the remembered "not suppressed" answers (tests; a new instance starts empty)."""
    _not_suppressed.clear()


def mime(to: str, email: Email) -> bytes:
    sender = settings().sender
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = email.subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].rstrip(">"))
    message.set_content(email.text)
    message.add_alternative(email.html, subtype="html")
    return message.as_bytes()


def send(to: str, email: Email) -> None:
    """Hand ``email`` to SES. A refusal raises ``errors.EmailNotSent`` with the
    answer the API gives (the caller undoes what it did for this email first)."""
    try:
        aws.client("sesv2").send_email(
            FromEmailAddress=settings().sender, Destination={"ToAddresses": [to]},
            Content={"Raw": {"Data": mime(to, email)}}, ConfigurationSetName=brand().ses_configuration_set)
    except ClientError as exc:
        code = exc.response["Error"]["Code"]
        if code in THROTTLED:
            raise errors.EmailNotSent(code, errors.EmailThrottled(
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)})) from exc
        if code in REFUSED:
            raise errors.EmailNotSent(code, errors.EmailUnavailable()) from exc
        raise
