"""IAM as AWS evaluates it, for the calls Sesame makes.

moto can check a caller's identity-based policies (``INITIAL_NO_AUTH_ACTION_COUNT``)
but evaluates every call against the resource ``*`` and denies on any
``Condition`` it cannot read, so a least-privilege policy either fails or
passes for the wrong reason. This module replaces that check with AWS's rule
for the services we use: the action's real resource ARN, the condition keys
those services supply, and the actions a call is really authorized by.

[EVAL]    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
          (an explicit Deny wins; otherwise an Allow whose Action, Resource and
          Condition all match is required)
[COND]    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_multi-value-conditions.html
          (ForAnyValue / ForAllValues; a missing key fails StringEquals)
[DDBTX]   https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html
          (TransactWriteItems is authorized by dynamodb:PutItem, UpdateItem,
          DeleteItem and ConditionCheckItem on each item's table)
[COGAUTH] https://docs.aws.amazon.com/cognito/latest/developerguide/user-pools-API-operations.html
          (InitiateAuth, RespondToAuthChallenge, RevokeToken, GlobalSignOut:
          "unauthenticated"/token-authorized operations, no IAM policy applies)
[KMSCOND] https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html
          (kms:ResourceAliases, kms:EncryptionContext:<key>, kms:EncryptionContextKeys)
[SESIAM]  https://docs.aws.amazon.com/ses/latest/dg/control-user-access.html
          (ses:SendEmail is authorized on the sending identity's ARN)
[SESSANDBOX] In the SES sandbox, SES also authorizes a send against each recipient's
          identity (the verified address or domain that lets it receive):
          https://docs.aws.amazon.com/ses/latest/dg/sending-authorization-delegate-sender-tasks-email.html
[SIGV4]   https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
          (the canonical request ends with the hex SHA-256 of the request's payload)
[SESV2IAM] https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsimpleemailservicev2.html
          (SendEmail: the identity and, when one is used, the configuration-set;
          GetSuppressedDestination and GetAccount: no resource type, "*")
"""

from __future__ import annotations

import base64
import contextlib
import fnmatch
import json
import math
from collections.abc import Callable, Iterator
from typing import Any

from botocore.awsrequest import AWSRequest
from moto import settings
from moto.cognitoidp.models import cognitoidp_backends
from moto.core.authorization import ActionAuthenticatorMixin
from moto.core.exceptions import JsonRESTError
from moto.iam.access_control import IAMPolicy, IAMRequest
from moto.kms.models import kms_backends

ORIGINALS: dict[str, Callable[..., Any]] = {}
Request = tuple[str, str, dict[str, Any]]  # (action, resource ARN, condition context)

# [COGAUTH] Called with a token or a session, not with AWS credentials.
UNSIGNED = ("InitiateAuth", "RespondToAuthChallenge", "RevokeToken", "GlobalSignOut", "GetUser",
            "UpdateUserAttributes")
_TRANSACT = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck": "ConditionCheckItem"}


def enforce(on: bool) -> None:
    """Turn IAM enforcement on (every signed call is checked) or off."""
    for name in UNSIGNED:
        target = f"AWSCognitoIdentityProviderService.{name}"
        if target not in ActionAuthenticatorMixin.PUBLIC_OPERATIONS:
            ActionAuthenticatorMixin.PUBLIC_OPERATIONS.append(target)
    settings.INITIAL_NO_AUTH_ACTION_COUNT = 0 if on else math.inf
    ActionAuthenticatorMixin.request_count = 0


@contextlib.contextmanager
def enforced() -> Iterator[None]:
    """IAM enforced for the duration (the rehearsal deploys unchecked, as its operator may do anything)."""
    enforce(True)
    try:
        yield
    finally:
        enforce(False)


def _dynamodb(action: str, body: dict[str, Any], arn: str) -> Iterator[Request]:
    table = f"{arn}:table/"
    if action == "TransactWriteItems":  # [DDBTX]
        for item in body.get("TransactItems", []):
            for kind, spec in item.items():
                yield f"dynamodb:{_TRANSACT[kind]}", table + spec["TableName"], {}
    elif action == "TransactGetItems":
        for item in body.get("TransactItems", []):
            yield "dynamodb:GetItem", table + item["Get"]["TableName"], {}
    elif action in ("BatchGetItem", "BatchWriteItem"):
        for name in body.get("RequestItems", {}):
            yield f"dynamodb:{action}", table + name, {}
    else:  # a Query or Scan of an index is authorized on the index's ARN
        index = f"/index/{body['IndexName']}" if body.get("IndexName") else ""
        yield f"dynamodb:{action}", table + str(body.get("TableName", "")) + index, {}


def _cognito(action: str, body: dict[str, Any], arn: str, account: str, region: str) -> Iterator[Request]:
    pool_id = str(body.get("UserPoolId", ""))
    pool = cognitoidp_backends[account][region].user_pools.get(pool_id)
    tags = (pool.extended_config.get("UserPoolTags") or {}) if pool else {}
    context = {f"aws:ResourceTag/{k}": v for k, v in tags.items()}
    yield f"cognito-idp:{action}", f"{arn}:userpool/{pool_id}", context


def _kms(action: str, body: dict[str, Any], arn: str, account: str, region: str) -> Iterator[Request]:
    backend = kms_backends[account][region]
    given = body.get("KeyId")
    if not given and "CiphertextBlob" in body:  # moto's blob starts with the key id
        given = base64.b64decode(body["CiphertextBlob"])[:36].decode("utf-8", "replace")
    try:
        key_id = backend.any_id_to_key_id(str(given or ""))
    except (AttributeError, TypeError, KeyError):  # an alias that names no key
        key_id = str(given)
    key = backend.keys.get(key_id)
    encryption = body.get("EncryptionContext") or {}
    context: dict[str, Any] = {f"kms:EncryptionContext:{k}": v for k, v in encryption.items()}
    context["kms:EncryptionContextKeys"] = list(encryption)
    context["kms:ResourceAliases"] = list(key.aliases) if key else []
    yield f"kms:{action}", f"{arn}:key/{key_id}", context


def _ssm(action: str, body: dict[str, Any], arn: str) -> Iterator[Request]:
    names = body.get("Names") or [body.get("Name", "")]
    for name in names:
        yield f"ssm:{action}", f"{arn}:parameter/{str(name).lstrip('/')}", {}


def _ses(action: str, body: dict[str, Any], arn: str, account: str, region: str) -> Iterator[Request]:
    if action != "SendEmail":
        yield f"ses:{action}", "*", {}  # the suppression list and the account have no resource ARN
        return
    sender = str(body.get("FromEmailAddress", "")).rsplit("<", 1)[-1].rstrip(">")
    context = {"ses:FromAddress": sender}
    yield f"ses:{action}", f"{arn}:identity/{sender.rsplit('@', 1)[-1]}", context
    if body.get("ConfigurationSetName"):
        yield f"ses:{action}", f"{arn}:configuration-set/{body['ConfigurationSetName']}", context
    for identity in _sandbox_recipients(body, account, region):
        yield f"ses:{action}", f"{arn}:identity/{identity}", context


def _sandbox_recipients(body: dict[str, Any], account: str, region: str) -> list[str]:
    """[SESSANDBOX] In the sandbox, the identities that verify each recipient (the address
    itself if it is one, else its domain): SES authorizes the send on them too."""
    from moto.ses.models import ses_backends

    from devstack import ses

    backend = ses_backends[account][region]
    if ses.state(backend).production_access:
        return []
    known = set(backend.email_identities) | set(getattr(backend, "addresses", []))
    found = []
    for address in body.get("Destination", {}).get("ToAddresses", []):
        plain = str(address).rsplit("<", 1)[-1].rstrip(">").lower()
        found.append(plain if plain in known else plain.rsplit("@", 1)[-1])
    return found


def _events(action: str, body: dict[str, Any], arn: str) -> Iterator[Request]:
    for entry in body.get("Entries", []) or [{}]:
        yield f"events:{action}", f"{arn}:event-bus/{entry.get('EventBusName') or 'default'}", {}


def requests_of(service: str, action: str, body: dict[str, Any], account: str, region: str) -> list[Request]:
    """The (action, resource, context) triples AWS authorizes one call by."""
    arn = f"arn:aws:{service}:{region}:{account}"
    if service == "dynamodb":
        return list(_dynamodb(action, body, arn))
    if service == "cognito-idp":
        return list(_cognito(action, body, arn, account, region))
    if service == "kms":
        return list(_kms(action, body, arn, account, region))
    if service == "ssm":
        return list(_ssm(action, body, arn))
    if service == "ses":
        return list(_ses(action, body, arn, account, region))
    if service == "events" and action == "PutEvents":
        return list(_events(action, body, arn))
    return [(f"{service}:{action}", "*", {})]


def _matches(patterns: Any, value: str, *, fold: bool = False) -> bool:
    """IAM wildcards; action names compare case-insensitively, ARNs exactly."""
    listed = patterns if isinstance(patterns, list) else [patterns]
    if fold:
        return any(fnmatch.fnmatchcase(value.lower(), str(p).lower()) for p in listed)
    return any(fnmatch.fnmatchcase(value, str(p)) for p in listed)


def _condition(operator: str, key: str, wanted: Any, context: dict[str, Any]) -> bool:
    """[COND] The operators our policies use; any other one fails closed."""
    expected = [str(w) for w in (wanted if isinstance(wanted, list) else [wanted])]
    present = key in context
    values = context.get(key)
    values = [str(v) for v in values] if isinstance(values, list) else [str(values)] if present else []
    qualifier, _, base = operator.rpartition(":")
    compare = {"StringEquals": lambda v, e: v == e, "StringLike": fnmatch.fnmatchcase}.get(base)
    if compare is None:
        return False
    if qualifier == "ForAllValues":
        return all(any(compare(v, e) for e in expected) for v in values)
    if qualifier == "ForAnyValue" or not qualifier:
        return any(compare(v, e) for v in values for e in expected)
    return False


def _statement_applies(statement: dict[str, Any], action: str, resource: str, context: dict[str, Any]) -> bool:
    if not _matches(statement.get("Action", []), action, fold=True):
        return False
    if not _matches(statement.get("Resource", []), resource):
        return False
    conditions = statement.get("Condition") or {}
    return all(_condition(op, key, wanted, context)
               for op, pairs in conditions.items() for key, wanted in pairs.items())


def allowed(policies: list[dict[str, Any]], action: str, resource: str, context: dict[str, Any]) -> bool:
    """[EVAL] Explicit Deny wins, else an applicable Allow is needed."""
    statements = [s for p in policies for s in (p["Statement"] if isinstance(p["Statement"], list)
                                                  else [p["Statement"]])]
    applicable = [s for s in statements if _statement_applies(s, action, resource, context)]
    if any(s.get("Effect") == "Deny" for s in applicable):
        return False
    return any(s.get("Effect") == "Allow" for s in applicable)


def _check_action_permitted(self: IAMRequest, resource: str) -> None:
    service, action = self._action.split(":", 1)
    try:
        body = json.loads(self._body or b"{}")
    except ValueError:
        body = {}
    policies = [IAMPolicy(p)._policy_json for p in self._access_key.collect_policies()]
    for wanted, arn, context in requests_of(service, action, body, self.account_id, self._region):
        if not allowed(policies, wanted, arn, context):
            # As the JSON-protocol services answer it (moto sends IAM's XML, which boto3 reads as "403").
            raise JsonRESTError("AccessDeniedException", f"User: {self._access_key.arn} is not authorized to "
                                f"perform: {wanted} on resource: {arn} because no identity-based policy allows "
                                f"the {wanted} action")


def _create_aws_request(self: IAMRequest) -> AWSRequest:
    """[SESSANDBOX] In the SES sandbox, SES also authorizes a send against each recipient's
          identity (the verified address or domain that lets it receive):
          https://docs.aws.amazon.com/ses/latest/dg/sending-authorization-delegate-sender-tasks-email.html
[SIGV4] The payload hash is over the body as sent. For a request without
    a body moto hashed its parsed parameters, which for a REST GET (SES v2's
    suppression list) are the request's headers: every signed GET failed with
    SignatureDoesNotMatch."""
    signed = self._get_string_between("SignedHeaders=", ",", self._headers["Authorization"]).split(";")
    headers = self._create_headers_for_aws_request(signed, self._headers)
    # A form POST's body reaches here parsed (``_data``), which moto re-encodes; a GET has none.
    payload = self._body or (b"" if self._method in ("GET", "HEAD", "DELETE") else self._data)
    request = AWSRequest(method=self._method, url=self._path, data=payload, headers=headers)
    request.context["timestamp"] = headers["X-Amz-Date"]
    return request


PATCHES: dict[str, tuple[type, Any]] = {
    "check_action_permitted": (IAMRequest, _check_action_permitted),
    "_create_aws_request": (IAMRequest, _create_aws_request),
}
