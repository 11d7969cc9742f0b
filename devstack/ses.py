"""SES v2 as strict as AWS where Sesame relies on it (moto 5.2.5 is not).

* Configuration sets: SendEmail with a ``ConfigurationSetName`` that does not
  exist fails with NotFoundException; moto ignores the name.          [SENDEMAIL]
* The account-level suppression list: Put/Get/Delete/ListSuppressedDestinations
  (moto has none). A message to a suppressed address is accepted (SendEmail
  answers a MessageId) and never delivered, so the dev mailbox never sees it.
  Get answers NotFoundException for an address not on the list.        [SUPPRESS]
* The sandbox: while an account is in it, every recipient must be a verified
  identity (address or domain), or SendEmail fails with MessageRejected
  ("Email address is not verified"). The embedded account starts with
  production access, as a stage that has asked for it; ``sandbox(True)``
  puts it back.                                                        [SANDBOX]
* GetAccount answers ``ProductionAccessEnabled`` and ``SendingEnabled``.

[SENDEMAIL] https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html
[SUPPRESS]  https://docs.aws.amazon.com/ses/latest/dg/sending-email-suppression-list.html
            https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_GetSuppressedDestination.html
[SANDBOX]   https://docs.aws.amazon.com/ses/latest/dg/request-production-access.html
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parseaddr
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.ses.exceptions import MessageRejectedError, NotFoundException
from moto.ses.models import SESBackend
from moto.sesv2 import urls
from moto.sesv2.responses import SESV2Response

REASONS = ("BOUNCE", "COMPLAINT")
KEPT = 2000  # sent messages the dev mailbox shows; moto kept every one (memory grew without end)
ORIGINALS: dict[str, Callable[..., Any]] = {}


@dataclass
class AccountState:
    production_access: bool = True
    suppressed: dict[str, tuple[str, float]] = field(default_factory=dict)  # address -> (reason, when)


def state(backend: SESBackend) -> AccountState:
    """This account and region's SES state beyond moto's (kept on its backend, reset with it)."""
    found = getattr(backend, "_sesame_state", None)
    if found is None:
        found = AccountState()
        backend._sesame_state = found  # type: ignore[attr-defined]
    return found


def _core(handler: SESV2Response) -> SESBackend:
    return handler.sesv2_backend.core_backend


def _address(value: str) -> str:
    return parseaddr(value)[1].lower()


def _recipients(params: dict[str, Any]) -> list[str]:
    destination = params.get("Destination") or {}
    return [_address(a) for key in ("ToAddresses", "CcAddresses", "BccAddresses") for a in destination.get(key, [])]


def _verified(backend: SESBackend, address: str) -> bool:
    return address in backend.email_identities or address.rsplit("@", 1)[-1] in backend.email_identities


def send_email(self: SESV2Response) -> str:
    params = json.loads(self.body)
    backend, recipients = _core(self), _recipients(params)
    name = params.get("ConfigurationSetName")
    if name and name not in backend.config_sets:
        raise NotFoundException(f"Configuration set <{name}> does not exist.")
    account = state(backend)
    if not account.production_access:
        refused = [a for a in recipients if not _verified(backend, a)]
        if refused:
            raise MessageRejectedError("Email address is not verified. The following identities failed the check "
                                       f"in region {self.region.upper()}: {', '.join(refused)}")
    if recipients and all(a in account.suppressed for a in recipients):
        return json.dumps({"MessageId": f"suppressed-{time.time_ns()}"})  # accepted, never delivered
    answer = str(ORIGINALS["send_email"](self))
    del backend.sent_messages[:-KEPT]  # the dev mailbox keeps the newest; SES itself keeps none
    return answer


def put_suppressed_destination(self: SESV2Response) -> str:
    address, reason = _address(self._get_param("EmailAddress") or ""), self._get_param("Reason")
    if not address or reason not in REASONS:
        raise JsonRESTError("BadRequestException", "EmailAddress and a Reason of BOUNCE or COMPLAINT are required")
    state(_core(self)).suppressed[address] = (reason, time.time())
    return "{}"


def get_suppressed_destination(self: SESV2Response) -> str:
    address = _address(self._get_param("EmailAddress") or "")
    found = state(_core(self)).suppressed.get(address)
    if found is None:
        raise NotFoundException(f"Email address {address} does not exist on your suppression list.")
    return json.dumps({"SuppressedDestination": {"EmailAddress": address, "Reason": found[0],
                                                 "LastUpdateTime": found[1]}})


def delete_suppressed_destination(self: SESV2Response) -> str:
    address = _address(self._get_param("EmailAddress") or "")
    if state(_core(self)).suppressed.pop(address, None) is None:
        raise NotFoundException(f"Email address {address} does not exist on your suppression list.")
    return "{}"


def list_suppressed_destinations(self: SESV2Response) -> str:
    entries = [{"EmailAddress": a, "Reason": r, "LastUpdateTime": t}
               for a, (r, t) in sorted(state(_core(self)).suppressed.items())]
    return json.dumps({"SuppressedDestinationSummaries": entries})


def get_account(self: SESV2Response) -> str:
    account = state(_core(self))
    return json.dumps({"ProductionAccessEnabled": account.production_access, "SendingEnabled": True,
                       "EnforcementStatus": "HEALTHY", "DedicatedIpAutoWarmupEnabled": False,
                       "SuppressionAttributes": {"SuppressedReasons": list(REASONS)}})


def sandbox(backend: SESBackend, on: bool) -> None:
    """Put the emulated account in the SES sandbox (``on``) or give it production access."""
    state(backend).production_access = not on


def verify(backend: SESBackend, identity: str) -> None:
    """Mark an identity verified, as AWS does once its DNS (DKIM) records are published."""
    found = backend.email_identities[identity]
    found.verified_for_sending_status = True
    found.dkim_attributes["Status"] = "SUCCESS"


def route() -> None:
    """moto's server routes ``/v2/<one segment>`` only: add the suppression list's and the account's paths."""
    urls.url_paths.setdefault("{0}/v2/email/suppression/addresses$", SESV2Response.dispatch)
    urls.url_paths.setdefault("{0}/v2/email/suppression/addresses/(?P<EmailAddress>[^/]+)$", SESV2Response.dispatch)
    urls.url_paths.setdefault("{0}/v2/email/account$", SESV2Response.dispatch)


PATCHES: dict[str, tuple[type, Callable[..., Any]]] = {
    name: (SESV2Response, function) for name, function in (
        ("send_email", send_email), ("put_suppressed_destination", put_suppressed_destination),
        ("get_suppressed_destination", get_suppressed_destination),
        ("delete_suppressed_destination", delete_suppressed_destination),
        ("list_suppressed_destinations", list_suppressed_destinations), ("get_account", get_account))}
