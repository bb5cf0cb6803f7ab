"""The CRM's appointment webhooks: a saved appointment gets its meeting, a move moves it, a delete ends it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from backend.models import CrmWebhook, Job, Meeting, MeetingState, Tenant
from tests.integration.conftest import MakeUser
from tests.support.crm_webhooks import company_secret, deleted_event, post_event, registered_webhooks
from tests.support.extension_api import ExtensionUser
from tests.support.live import LiveServers
from tests.support.providers import disconnect_company
from tests.support.rows import rows
from tests.support.signin import sign_in
from tests.support.waiting import eventually
from tests.support.zoom import arm, held_meetings, set_up_company_zoom

START = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)


@pytest.fixture
def anna(live: LiveServers, make_extension_user: MakeUser) -> Iterator[ExtensionUser]:
    set_up_company_zoom(live)
    yield make_extension_user("anna", zoom_email="anna@demo.example")


def _meeting(anna: ExtensionUser) -> dict[str, Any]:
    body = {"topic": "Kick-off", "start": START.isoformat(), "duration_minutes": 60, "idempotency_key": "k1"}
    created = anna.api.post("", json=body)
    assert created.status_code == 201
    return created.json()


def _appointment(live: LiveServers, anna: ExtensionUser, join_url: str) -> dict[str, Any]:
    """Anna saves the appointment in the CRM with the link the extension put in Location."""
    body = {"Title": "Kick-off", "StartDate": START.isoformat(), "EndDate": (START + timedelta(hours=1)).isoformat(),
            "Location": join_url, "Description": f"Join meeting: {join_url}"}  # fmt: skip
    saved = anna.browser.post(f"{live.sandbox_url}/Cust12345/api/v1/Appointment", json=body)
    assert saved.status_code == 200, saved.text
    return saved.json()


def _attached(live: LiveServers, appointment_id: int) -> list[Meeting]:
    return [m for m in rows(live.settings, Meeting) if m.appointment_id == appointment_id]


def test_saving_the_appointment_attaches_its_meeting(live: LiveServers, anna: ExtensionUser) -> None:
    meeting = _meeting(anna)

    appointment = _appointment(live, anna, meeting["join_url"])

    eventually(lambda: _attached(live, appointment["AppointmentId"]))
    listed = anna.api.get("", params={"appointment": appointment["AppointmentId"]}).json()
    assert [m["id"] for m in listed] == [meeting["id"]]


def test_moving_the_appointment_in_the_crm_moves_the_meeting(live: LiveServers, anna: ExtensionUser) -> None:
    meeting = _meeting(anna)
    appointment = _appointment(live, anna, meeting["join_url"])
    eventually(lambda: _attached(live, appointment["AppointmentId"]))
    later = START + timedelta(days=1)

    moved = {**appointment, "StartDate": later.isoformat(), "EndDate": (later + timedelta(minutes=90)).isoformat()}
    url = f"{live.sandbox_url}/Cust12345/api/v1/Appointment/{appointment['AppointmentId']}"
    assert anna.browser.put(url, json=moved).status_code == 200

    held = eventually(
        lambda: [m for m in held_meetings(live) if m["start_time"] == later.strftime("%Y-%m-%dT%H:%M:%SZ")]
    )
    assert held[0]["duration"] == 90
    assert held[0]["id"] == int(meeting["join_url"].split("/j/")[1].split("?")[0])


def test_deleting_the_appointment_ends_the_meeting(live: LiveServers, anna: ExtensionUser) -> None:
    meeting = _meeting(anna)
    appointment = _appointment(live, anna, meeting["join_url"])
    eventually(lambda: _attached(live, appointment["AppointmentId"]))

    url = f"{live.sandbox_url}/Cust12345/api/v1/Appointment/{appointment['AppointmentId']}"
    assert anna.browser.delete(url).status_code == 204

    eventually(lambda: held_meetings(live) == [])
    eventually(lambda: [m for m in rows(live.settings, Meeting) if m.state == MeetingState.REMOVED])


def test_connecting_the_provider_registers_the_companys_own_webhook(live: LiveServers, anna: ExtensionUser) -> None:
    (webhook,) = registered_webhooks(live)

    assert webhook["TargetUrl"] == f"{live.backend_url}/webhooks/superoffice/Cust12345"
    assert webhook["Events"] == ["activity.created", "activity.changed", "activity.deleted"]
    assert webhook["State"] == "Active"
    assert len(company_secret(live)) >= 32


def test_disconnecting_removes_the_companys_webhook(live: LiveServers, anna: ExtensionUser) -> None:
    disconnect_company(live)

    eventually(lambda: registered_webhooks(live) == [])
    assert rows(live.settings, CrmWebhook) == []


def test_a_forged_event_changes_nothing(live: LiveServers, anna: ExtensionUser) -> None:
    meeting = _meeting(anna)
    appointment = _appointment(live, anna, meeting["join_url"])
    eventually(lambda: _attached(live, appointment["AppointmentId"]))

    refused = post_event(live, deleted_event(appointment["AppointmentId"]), "not-the-secret")

    assert refused.status_code == 401
    assert len(held_meetings(live)) == 1


def test_an_event_signed_with_another_companys_secret_is_refused(live: LiveServers, anna: ExtensionUser) -> None:
    set_up_company_zoom(live, email="it@other.example", administrator="oscar", context_id="Cust67890")
    meeting = _meeting(anna)
    appointment = _appointment(live, anna, meeting["join_url"])
    eventually(lambda: _attached(live, appointment["AppointmentId"]))
    others = company_secret(live, "Cust67890")
    assert others != company_secret(live)

    refused = post_event(live, deleted_event(appointment["AppointmentId"]), others)

    assert refused.status_code == 401
    assert len(held_meetings(live)) == 1
    (tenant,) = rows(live.settings, Tenant, Tenant.context_id == "Cust12345")
    assert [m.state for m in rows(live.settings, Meeting, Meeting.tenant_id == tenant.id)] == [MeetingState.ACTIVE]


def test_an_address_no_company_can_have_is_unknown(live: LiveServers) -> None:
    answer = httpx.post(f"{live.backend_url}/webhooks/superoffice/Cust%0012345", json={})  # PostgreSQL 500'd on it

    assert (answer.status_code, answer.json()["error"]) == (404, "unknown_company")


def test_a_late_event_is_accepted_and_changes_only_what_the_crm_says(live: LiveServers, anna: ExtensionUser) -> None:
    """SuperOffice queues failed cycles, so a valid event may come hours late: it is answered 200 (anything else
    counts towards TooManyErrors), and since the appointment still exists, its meeting stays."""
    meeting = _meeting(anna)
    appointment = _appointment(live, anna, meeting["join_url"])
    eventually(lambda: _attached(live, appointment["AppointmentId"]))

    late = post_event(live, deleted_event(appointment["AppointmentId"], sent=datetime.now(UTC) - timedelta(hours=5)),
                 company_secret(live))  # fmt: skip

    assert late.status_code == 200
    eventually(lambda: not [job for job in rows(live.settings, Job) if job.kind == "follow_appointment"])
    assert len(held_meetings(live)) == 1


def test_a_retried_event_is_acted_on_once(live: LiveServers, anna: ExtensionUser) -> None:
    body = deleted_event(999)

    first = post_event(live, body, company_secret(live))
    again = post_event(live, body, company_secret(live))

    assert first.json() == {"status": "ok"}
    assert again.json() == {"status": "duplicate"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"Event": "activity.deleted", "PrimaryKey": 4}, "EventId is missing"),
        ({"EventId": "e-1", "Event": "activity.deleted", "PrimaryKey": "four"}, "PrimaryKey must be a whole number"),
        ({"EventId": "e-1", "Event": "activity.changed", "PrimaryKey": 0}, "PrimaryKey must be the appointment's id"),
        ([{"EventId": "e-1"}], "must be a JSON object"),
        ({"EventId": "e-1", "Event": "activity.created", "PrimaryKey": 4, "FieldValues": "x"}, "FieldValues must be"),
        (
            {"EventId": "e-1", "Event": "activity.deleted", "PrimaryKey": 4, "ContextIdentifier": "Cust67890"},
            "is for Cust67890",
        ),
    ],
)
def test_a_signed_but_malformed_event_is_a_clear_400_and_no_duplicate(
    live: LiveServers, anna: ExtensionUser, body: Any, message: str
) -> None:
    answer = post_event(live, body, company_secret(live))

    assert answer.status_code == 400
    assert message in answer.json()["message"]
    valid = post_event(live, {**deleted_event(4), "EventId": "e-1"}, company_secret(live))
    assert valid.json() == {"status": "ok"}  # the refused one was never taken as delivered


def test_a_colleague_deleting_the_owners_appointment_ends_the_meeting(live: LiveServers, anna: ExtensionUser) -> None:
    meeting = _meeting(anna)
    appointment = _appointment(live, anna, meeting["join_url"])
    eventually(lambda: _attached(live, appointment["AppointmentId"]))

    with httpx.Client(timeout=20) as bjorn:  # Bjørn has never connected anything: SuperOffice says he deleted it
        sign_in(bjorn, live, "bjorn")
        url = f"{live.sandbox_url}/Cust12345/api/v1/Appointment/{appointment['AppointmentId']}"
        assert bjorn.delete(url).status_code == 204

    eventually(lambda: held_meetings(live) == [])
    # Zoom deletes before our row is committed as removed: wait for that too.
    eventually(lambda: [m.state for m in rows(live.settings, Meeting)] == [MeetingState.REMOVED])


def test_a_move_while_zoom_is_down_is_followed_when_zoom_is_back(live: LiveServers, anna: ExtensionUser) -> None:
    meeting = _meeting(anna)
    appointment = _appointment(live, anna, meeting["join_url"])
    eventually(lambda: _attached(live, appointment["AppointmentId"]))
    later = START + timedelta(days=2)
    arm(live, "server_error", count=4)  # more than one attempt's own retries: the follow-up job must try again

    moved = {**appointment, "StartDate": later.isoformat(), "EndDate": (later + timedelta(hours=1)).isoformat()}
    url = f"{live.sandbox_url}/Cust12345/api/v1/Appointment/{appointment['AppointmentId']}"
    assert anna.browser.put(url, json=moved).status_code == 200

    eventually(
        lambda: [m for m in held_meetings(live) if m["start_time"] == later.strftime("%Y-%m-%dT%H:%M:%SZ")],
        timeout=20,
    )


def _crm_appointment(live: LiveServers, anna: ExtensionUser, appointment_id: int) -> dict[str, Any]:
    return anna.browser.get(f"{live.sandbox_url}/Cust12345/api/v1/Appointment/{appointment_id}").json()


def test_the_crm_appointment_learns_its_meeting_and_forgets_it_when_removed(
    live: LiveServers, anna: ExtensionUser
) -> None:
    meeting = _meeting(anna)
    appointment = _appointment(live, anna, meeting["join_url"])

    written = eventually(
        lambda: _crm_appointment(live, anna, appointment["AppointmentId"])["JoinVideomeetUrl"] and
        _crm_appointment(live, anna, appointment["AppointmentId"])
    )  # fmt: skip
    assert written["JoinVideomeetUrl"] == meeting["join_url"]
    assert written["CentralserviceVideomeetId"] == meeting["id"]  # ours: a Teams meeting id would not fit its 100

    assert anna.api.delete(f"/{meeting['id']}").status_code == 204

    eventually(lambda: _crm_appointment(live, anna, appointment["AppointmentId"])["JoinVideomeetUrl"] == "")
    assert _crm_appointment(live, anna, appointment["AppointmentId"])["CentralserviceVideomeetId"] == ""


def test_a_link_someone_else_put_on_the_appointment_is_not_wiped(live: LiveServers, anna: ExtensionUser) -> None:
    meeting = _meeting(anna)
    appointment = _appointment(live, anna, meeting["join_url"])
    eventually(lambda: _crm_appointment(live, anna, appointment["AppointmentId"])["JoinVideomeetUrl"])
    url = f"{live.sandbox_url}/Cust12345/api/v1/Appointment/{appointment['AppointmentId']}"
    other = "https://meet.example/other-room"
    assert anna.browser.patch(url, json={"JoinVideomeetUrl": other}).status_code == 200

    assert anna.api.delete(f"/{meeting['id']}").status_code == 204

    eventually(lambda: not [job for job in rows(live.settings, Job) if job.kind == "write_meeting_to_crm"])
    assert _crm_appointment(live, anna, appointment["AppointmentId"])["JoinVideomeetUrl"] == other


def test_an_older_change_arriving_late_does_not_move_the_meeting_back(live: LiveServers, anna: ExtensionUser) -> None:
    meeting = _meeting(anna)
    appointment = _appointment(live, anna, meeting["join_url"])
    eventually(lambda: _attached(live, appointment["AppointmentId"]))
    later = START + timedelta(days=3)
    moved = {**appointment, "StartDate": later.isoformat(), "EndDate": (later + timedelta(hours=1)).isoformat()}
    url = f"{live.sandbox_url}/Cust12345/api/v1/Appointment/{appointment['AppointmentId']}"
    assert anna.browser.put(url, json=moved).status_code == 200
    at_later = later.strftime("%Y-%m-%dT%H:%M:%SZ")
    eventually(lambda: [m for m in held_meetings(live) if m["start_time"] == at_later])
    eventually(lambda: not [job for job in rows(live.settings, Job) if job.kind == "follow_appointment"])

    stale = {"EventId": str(uuid.uuid4()), "Timestamp": datetime.now(UTC).isoformat(), "Changes": ["do_by"],
             "Event": "activity.changed", "PrimaryKey": appointment["AppointmentId"], "Entity": "activity",
             "ContextIdentifier": "Cust12345", "ChangedByAssociateId": 2}  # fmt: skip
    assert post_event(live, stale, company_secret(live)).status_code == 200

    eventually(lambda: not [job for job in rows(live.settings, Job) if job.kind == "follow_appointment"])
    assert [m["start_time"] for m in held_meetings(live)] == [at_later]
