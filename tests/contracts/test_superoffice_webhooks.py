"""SuperOffice's appointment webhooks as documented: our receiver reads the samples, the emulator sends their shape."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from backend.crm.webhooks import read_event, verify_signature
from backend.models import CrmWebhook, Tenant
from backend.security import TokenCipher
from tests.contracts.shapes import differences, sample
from tests.support.crm_webhooks import signed
from tests.support.live import LiveServers
from tests.support.rows import rows
from tests.support.stub_server import StubServer, stub_server
from tests.support.waiting import eventually
from tests.support.zoom import set_up_company_zoom

SAMPLES = {name: sample(f"superoffice/{name}") for name in ("activity_created", "activity_changed",
                                                                  "activity_deleted", "test_event")}  # fmt: skip
SECRET = "Something Super Secret"


@pytest.mark.parametrize(
    ("name", "kind", "changed_by", "owner"),
    [("activity_created", "created", 37201, 5), ("activity_changed", "changed", 316, 0),
     ("activity_deleted", "deleted", 316, 0)],
)  # fmt: skip
def test_our_receiver_reads_the_documented_events(name: str, kind: str, changed_by: int, owner: int) -> None:
    event = read_event(httpx.Request("POST", "/", json=SAMPLES[name]["body"]).read())

    assert (event.primary_key, event.kind, event.changed_by, event.owner_id) == (4039840, kind, changed_by, owner)
    assert event.about_an_appointment


def test_our_receiver_answers_the_documented_test_event_and_events_for_on_site_installations(
    live: LiveServers,
) -> None:
    """On-site installations (and the test POST) say ``ContextIdentifier: "Default"``: the address names the company."""
    set_up_company_zoom(live)
    (tenant,) = rows(live.settings, Tenant, Tenant.context_id == "Cust12345")
    (webhook,) = rows(live.settings, CrmWebhook, CrmWebhook.tenant_id == tenant.id)
    secret = TokenCipher.for_settings(live.settings).decrypt(webhook.secret_encrypted) or ""
    url = f"{live.backend_url}/webhooks/superoffice/Cust12345"

    # The documentation's changed and deleted samples share one EventId: the second is taken as a repeat.
    for name, status in [("test_event", "ignored"), ("activity_deleted", "ok"), ("activity_changed", "duplicate")]:
        raw, headers = signed(SAMPLES[name]["body"], secret)
        answer = httpx.post(url, content=raw, headers=headers)
        assert (answer.status_code, answer.json()["status"]) == (200, status), name


@pytest.fixture
def capture(live: LiveServers) -> Iterator[StubServer]:
    """A webhook registered at the emulated SuperOffice (as its administrator) that posts to a server of ours."""
    with stub_server() as target, httpx.Client(base_url=live.sandbox_url, timeout=20) as admin:
        admin.post("/login", data={"username": "admin", "password": "admin"})
        registered = admin.post("/Cust12345/api/v1/Webhook", json={
            "Name": "Contract test", "Events": ["activity.created", "activity.changed", "activity.deleted"],
            "TargetUrl": target.url, "Secret": SECRET, "State": "Active", "Type": "webhook",
        })  # fmt: skip
        assert registered.status_code == 200, registered.text
        target.received.clear()  # the test POST
        yield target


def _event(target: StubServer, event: str) -> tuple[dict[str, str], dict[str, Any], bytes]:
    found = eventually(lambda: [r for r in target.received if r.json()["Event"] == event])
    return found[0].headers, found[0].json(), found[0].body


def test_the_emulator_sends_the_documented_events(live: LiveServers, capture: StubServer) -> None:
    with httpx.Client(base_url=f"{live.sandbox_url}/Cust12345/api/v1", timeout=20) as anna:
        anna.post(f"{live.sandbox_url}/login", data={"username": "anna", "password": "anna"})
        created = anna.post("/Appointment", json={"Title": "Review", "StartDate": "2026-12-24T10:00:00",
                                                  "EndDate": "2026-12-24T11:00:00"}).json()  # fmt: skip
        url = f"/Appointment/{created['AppointmentId']}"
        assert anna.patch(url, json={"StartDate": "2026-12-24T12:00:00", "EndDate": "2026-12-24T13:00:00"}).is_success
    with httpx.Client(base_url=f"{live.sandbox_url}/Cust12345/api/v1", timeout=20) as bjorn:
        bjorn.post(f"{live.sandbox_url}/login", data={"username": "bjorn", "password": "bjorn"})
        assert bjorn.delete(url).status_code == 204  # a colleague deletes Anna's appointment

    for name in ("activity_created", "activity_changed", "activity_deleted"):
        documented = SAMPLES[name]["body"]
        headers, body, raw = _event(capture, documented["Event"])
        assert sorted(body) == sorted(documented), name
        assert differences(documented, body) == [], name
        for part in ("FieldValues", "Values"):
            if part in documented:
                assert sorted(body[part]) == sorted(documented[part]), name
                assert differences(documented[part], body[part]) == [], name
        assert body["PrimaryKey"] == created["AppointmentId"]
        assert headers["x-superoffice-eventid"] == body["EventId"]
        verify_signature(headers, raw, SECRET)
    assert _event(capture, "activity.created")[1]["FieldValues"]["associate_id"] == 2  # the owner
    assert _event(capture, "activity.deleted")[1]["ChangedByAssociateId"] == 3  # whoever deleted it, not the owner
