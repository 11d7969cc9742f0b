"""RFC 8628 through HTTP: a device asks, a signed-in browser approves by picking the
device's number, and the device's polls see each state the RFC names."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from chalicelib import aws, tokens
from chalicelib.approvals import store
from chalicelib.config import settings
from chalicelib.oauth import clients
from tests import oauthkit
from tests.conftest import inbox, sign_in

GRANT = clients.DEVICE_CODE_GRANT_TYPE


@pytest.fixture
def device_client(api: str) -> clients.Client:
    return clients.add("Orders CLI", [], True, [], device=True)[0]


@pytest.fixture
def approver(browser: Any, user: str) -> Any:
    sign_in(browser, user)
    return browser


def ask(api: str, client: clients.Client, scope: str = "openid email") -> dict[str, Any]:
    reply = oauthkit.token(api, {"client_id": client.client_id, "scope": scope}, path="/oauth/device_authorization")
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def poll(api: str, client: clients.Client, device_code: str) -> Any:
    return oauthkit.token(api, {"grant_type": GRANT, "device_code": device_code, "client_id": client.client_id})


def _error(reply: Any) -> str:
    assert reply.status_code == 400, (reply.status_code, reply.text)
    return str(reply.json()["error"])


def _interval_passes(found: store.Request) -> None:
    """As if the device waited its interval, as a well-behaved one does: its last poll moves back."""
    _set(found, "last_poll", int(time.time()) - found.interval - 1)


def _set(found: store.Request, name: str, value: int) -> None:
    aws.client("dynamodb").update_item(
        TableName=settings().table, Key={"pk": {"S": f"approval#{found.key_hash}"}},
        UpdateExpression=f"SET {name} = :value", ExpressionAttributeValues={":value": {"N": str(value)}})


def _request(answer: dict[str, Any]) -> store.Request:
    found = store.by_secret(answer["device_code"], "device")
    assert found is not None
    return found


def test_the_device_authorization_response(api: str, device_client: clients.Client, stack: Any) -> None:
    answer = ask(api, device_client)
    base = stack.env["SESAME_PUBLIC_URL"]
    assert answer["verification_uri"] == f"{base}/device"
    assert answer["verification_uri_complete"] == f"{base}/device?code={answer['user_code']}"
    assert answer["expires_in"] <= 600 and answer["interval"] == 5
    code = answer["user_code"]
    assert len(code) == 9 and code[4] == "-" and all(c in "BCDFGHJKLMNPQRSTVWXZ" for c in code.replace("-", ""))
    assert len(answer["match_number"]) == 2 and answer["match_number"].isdigit()
    # The device code is kept only as a keyed hash: nothing in the table holds it or the user code.
    items = aws.client("dynamodb").scan(TableName=settings().table)["Items"]
    assert answer["device_code"] not in str(items) and code.replace("-", "") not in str(items)


def test_pending_slow_down_approve_and_tokens_exactly_once(api: str, device_client: clients.Client, approver: Any,
                                                         user: str) -> None:
    answer = ask(api, device_client)
    assert _error(poll(api, device_client, answer["device_code"])) == "authorization_pending"
    assert _error(poll(api, device_client, answer["device_code"])) == "slow_down"  # too soon
    assert _request(answer).interval == 10  # RFC 8628 §3.5: five seconds more, for every later poll
    # The approver types the code as people do: lower case, spaces, no dash.
    typed = answer["user_code"].lower().replace("-", " ")
    looked = approver.post("/auth/approvals/lookup", {"code": typed})
    assert looked.status == 200, looked.body
    assert looked.body["app"] == "Orders CLI" and looked.body["ip"] == "127.0.0.1" and looked.body["kind"] == "device"
    assert answer["match_number"] in looked.body["numbers"] and len(set(looked.body["numbers"])) == 3
    decided = approver.post("/auth/approvals/decide", {"code": typed, "number": answer["match_number"]})
    assert decided.status == 200 and decided.body["status"] == "approved", decided.body
    _interval_passes(_request(answer))
    issued = poll(api, device_client, answer["device_code"])
    assert issued.status_code == 200, issued.text
    body = issued.json()
    assert tokens.verifier("id").verify(body["id_token"])["email"] == user and body["refresh_token"]
    assert _error(poll(api, device_client, answer["device_code"])) == "invalid_grant"  # once
    listed = approver.get("/auth/sessions").body["sessions"]
    device_session = [s for s in listed if s["method"] == "device"]
    assert [s["app"] for s in device_session] == ["Orders CLI"]
    notice = inbox(user)[0]
    assert "Orders CLI" in notice["text"] and "/not-me#token=" in notice["text"]


def test_a_wrong_number_denies_and_tells_the_device(api: str, device_client: clients.Client, approver: Any) -> None:
    answer = ask(api, device_client)
    looked = approver.post("/auth/approvals/lookup", {"code": answer["user_code"]}).body
    wrong = next(n for n in looked["numbers"] if n != answer["match_number"])
    decided = approver.post("/auth/approvals/decide", {"code": answer["user_code"], "number": wrong})
    assert decided.body == {**decided.body, "status": "denied", "reason": "wrong_number"}
    assert _error(poll(api, device_client, answer["device_code"])) == "access_denied"
    # The code is dead: no second pick.
    again = approver.post("/auth/approvals/decide", {"code": answer["user_code"], "number": answer["match_number"]})
    assert again.status == 404 and again.body["error"]["code"] == "unknown_request"


def test_a_denial_tells_the_device(api: str, device_client: clients.Client, approver: Any) -> None:
    answer = ask(api, device_client)
    assert approver.post("/auth/approvals/decide", {"code": answer["user_code"]}).body["status"] == "denied"
    assert _error(poll(api, device_client, answer["device_code"])) == "access_denied"


def test_an_expired_request_is_expired_token_and_cannot_be_approved(api: str, device_client: clients.Client,
                                                                    approver: Any) -> None:
    answer = ask(api, device_client)
    _set(_request(answer), "expires_at", int(time.time()) - 1)
    assert _error(poll(api, device_client, answer["device_code"])) == "expired_token"
    decided = approver.post("/auth/approvals/decide", {"code": answer["user_code"], "number": answer["match_number"]})
    assert decided.status == 404 and decided.body["error"]["code"] == "unknown_request"


def test_reviewing_needs_a_signed_in_browser(api: str, device_client: clients.Client, browser: Any) -> None:
    answer = ask(api, device_client)
    for path in ("/auth/approvals/lookup", "/auth/approvals/decide"):
        reply = browser.post(path, {"code": answer["user_code"], "number": answer["match_number"]})
        assert reply.status == 401 and reply.body["error"]["code"] == "unauthenticated"
    assert _error(poll(api, device_client, answer["device_code"])) == "authorization_pending"


def test_guessing_user_codes_is_bounded_per_ip(api: str, real_limits: None, approver: Any) -> None:
    answers = [approver.post("/auth/approvals/lookup", {"code": "BCDF-GHJK"}).status for _ in range(11)]
    assert answers[:10] == [404] * 10 and answers[10] == 429


def test_guessing_from_many_addresses_meets_the_stage_wide_limit(api: str, approver: Any,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SESAME_LIMITS", json.dumps({"approval_entry_ip": [100, 600], "approval_entry_all": [3, 3600]}))
    answers = [approver.from_address(f"127.0.0.{n}").post("/auth/approvals/lookup", {"code": "BCDF-GHJK"}).status
               for n in range(2, 6)]
    assert answers == [404, 404, 404, 429]  # a new address each time: only the stage-wide count stops it


def test_only_device_clients_and_known_codes(api: str, device_client: clients.Client, stack: Any) -> None:
    browser_app = oauthkit.register()
    refused = oauthkit.token(api, {"client_id": browser_app.client_id}, path="/oauth/device_authorization")
    assert refused.status_code == 400 and refused.json()["error"] == "unauthorized_client"
    unknown = oauthkit.token(api, {"client_id": "sc_nobody"}, path="/oauth/device_authorization")
    assert unknown.status_code == 400 and unknown.json()["error"] == "invalid_client"
    assert _error(poll(api, device_client, "not-a-device-code")) == "invalid_grant"
    other = clients.add("Other CLI", [], True, [], device=True)[0]
    answer = ask(api, device_client)
    assert poll(api, other, answer["device_code"]).json()["error"] == "unauthorized_client"


def test_device_codes_per_ip_are_limited_in_oauths_format(api: str, real_limits: None,
                                                         device_client: clients.Client) -> None:
    answers = [oauthkit.token(api, {"client_id": device_client.client_id}, path="/oauth/device_authorization")
               for _ in range(21)]
    assert [a.status_code for a in answers[:20]] == [200] * 20
    assert answers[20].status_code == 429 and answers[20].json()["error"] == "temporarily_unavailable"
    assert int(answers[20].headers["Retry-After"]) > 0


def test_the_review_names_a_place_from_the_stages_database(api: str, device_client: clients.Client, approver: Any,
                                                           tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from mmdb_writer import MMDBWriter
    from netaddr import IPSet

    answer = ask(api, device_client)
    assert approver.post("/auth/approvals/lookup", {"code": answer["user_code"]}).body["place"] is None  # none
    writer = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoLite2-City")
    writer.insert_network(IPSet(["127.0.0.0/8"]), {"city": {"names": {"en": "Testville", "de": "Teststadt"}},
                                                    "country": {"names": {"en": "Testland"}}})
    writer.to_db_file(str(tmp_path / "places.mmdb"))
    monkeypatch.setenv("SESAME_GEOIP_DB", str(tmp_path / "places.mmdb"))
    looked = approver.post("/auth/approvals/lookup", {"code": answer["user_code"]})
    assert looked.body["ip"] == "127.0.0.1" and looked.body["place"] == "Testville, Testland"
    german = approver.post("/auth/approvals/lookup", {"code": answer["user_code"]}, headers={"Accept-Language": "de"})
    assert german.body["place"] == "Teststadt, Testland"
