"""The CRM's appointment webhooks: a saved appointment gets its meeting, a move moves it, a delete ends it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from backend.models import Job, Meeting, MeetingState
from tests.integration.conftest import MakeUser
from tests.support.extension_api import ExtensionUser
from tests.support.live import LiveServers
from tests.support.rows import rows
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


def _signed(live: LiveServers, body: dict[str, Any], secret: str | None = None) -> tuple[bytes, dict[str, str]]:
    assert live.settings.superoffice_webhook_secret is not None
    key = secret or live.settings.superoffice_webhook_secret.get_secret_value()
    raw = json.dumps(body).encode()
    signature = base64.b64encode(hmac.new(key.encode(), raw, hashlib.sha256).digest()).decode()
    return raw, {"Content-Type": "application/json", "X-SuperOffice-Signature": signature}


def _deleted_event(appointment_id: int, *, sent: datetime | None = None) -> dict[str, Any]:
    return {"EventId": str(uuid.uuid4()), "Timestamp": (sent or datetime.now(UTC)).isoformat(),
            "Event": "activity.deleted", "PrimaryKey": appointment_id, "Entity": "activity",
            "ContextIdentifier": "Cust12345", "ChangedByAssociateId": 2,
            "FieldValues": {"appointment_id": appointment_id, "associate_id": 2}}  # fmt: skip


@pytest.mark.parametrize("problem", ["forged", "stale"])
def test_a_forged_or_stale_event_changes_nothing(live: LiveServers, anna: ExtensionUser, problem: str) -> None:
    meeting = _meeting(anna)
    appointment = _appointment(live, anna, meeting["join_url"])
    eventually(lambda: _attached(live, appointment["AppointmentId"]))
    sent = datetime.now(UTC) - timedelta(hours=1) if problem == "stale" else None
    raw, headers = _signed(live, _deleted_event(appointment["AppointmentId"], sent=sent),
                           secret="not-the-secret" if problem == "forged" else None)  # fmt: skip

    refused = httpx.post(f"{live.backend_url}/webhooks/superoffice", content=raw, headers=headers)

    assert refused.status_code == 401
    assert len(held_meetings(live)) == 1


def test_a_retried_event_is_acted_on_once(live: LiveServers, anna: ExtensionUser) -> None:
    raw, headers = _signed(live, _deleted_event(999))

    first = httpx.post(f"{live.backend_url}/webhooks/superoffice", content=raw, headers=headers)
    again = httpx.post(f"{live.backend_url}/webhooks/superoffice", content=raw, headers=headers)

    assert first.json() == {"status": "ok"}
    assert again.json() == {"status": "duplicate"}


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
    number = meeting["join_url"].split("/j/")[1].split("?")[0]

    written = eventually(
        lambda: _crm_appointment(live, anna, appointment["AppointmentId"])["JoinVideomeetUrl"] and
        _crm_appointment(live, anna, appointment["AppointmentId"])
    )  # fmt: skip
    assert written["JoinVideomeetUrl"] == meeting["join_url"]
    assert written["CentralserviceVideomeetId"] == number

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

    stale = {"EventId": str(uuid.uuid4()), "Timestamp": datetime.now(UTC).isoformat(), "Event": "activity.changed",
             "PrimaryKey": appointment["AppointmentId"], "Entity": "activity", "ContextIdentifier": "Cust12345",
             "ChangedByAssociateId": 2,
             "FieldValues": {"appointment_id": appointment["AppointmentId"], "associate_id": 2,
                             "title": "Kick-off", "do_by": START.isoformat(),
                             "endDate": (START + timedelta(hours=1)).isoformat()}}  # fmt: skip
    raw, headers = _signed(live, stale)
    assert httpx.post(f"{live.backend_url}/webhooks/superoffice", content=raw, headers=headers).status_code == 200

    eventually(lambda: not [job for job in rows(live.settings, Job) if job.kind == "follow_appointment"])
    assert [m["start_time"] for m in held_meetings(live)] == [at_later]
