"""Reading an appointment from SuperOffice's REST WebAPI (``GET {webapi_url}/v1/Appointment/{id}``) as its owner.

Webhooks say that an appointment changed; what it holds now (its participants, whether they get e-mail) is read
here, as SuperOffice advises: never depend on one delivery, reconcile from the WebAPI.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from backend.crm.superoffice import CrmUnavailable
from backend.crm.webapi import error_message, webapi_call
from backend.crm.webapi_dates import webapi_date

URL_LIMIT, ID_LIMIT = 2000, 100
"""The appointment's ``join_videomeet_url`` and ``centralservice_videomeet_id`` columns."""


class AppointmentGone(Exception):
    """The appointment no longer exists (404)."""


class AppointmentChangedMeanwhile(Exception):
    """A JSON Patch ``test`` failed (409): the appointment no longer holds what we expected."""


@dataclass(frozen=True)
class CrmParticipant:
    email: str
    send_email: bool
    associate_id: int


@dataclass(frozen=True)
class CrmAppointment:
    appointment_id: int
    title: str
    start: datetime
    end: datetime
    participants: tuple[CrmParticipant, ...]
    location: str = ""
    description: str = ""
    join_videomeet_url: str = ""
    owner_id: int = 0
    alarm_minutes_before: int | None = None
    """The alarm's lead time when the follow-up has an alarm (``HasAlarm``, ``AlarmLeadTime`` such as ``PT15M``)."""

    def holds_link(self, join_url: str) -> bool:
        """Whether the appointment carries this join link (its JoinVideomeetUrl, Location or text)."""
        return bool(join_url) and join_url in f"{self.join_videomeet_url}\n{self.location}\n{self.description}"


async def read_appointment(
    http: httpx.AsyncClient, webapi_url: str, access_token: str, appointment_id: int
) -> CrmAppointment:
    response = await _appointment_call(http, "GET", webapi_url, access_token, appointment_id)
    try:
        return _appointment(response.json())
    except (ValueError, KeyError, TypeError) as error:
        raise CrmUnavailable("SuperOffice's answer was not an appointment") from error


async def write_video_meeting(
    http: httpx.AsyncClient,
    webapi_url: str,
    access_token: str,
    appointment_id: int,
    *,
    join_url: str,
    meeting_id: str,
    only_if_url: str | None = None,
) -> None:
    """Set (or, with empty values, blank) the appointment's ``JoinVideomeetUrl`` and ``CentralserviceVideomeetId``
    with a JSON Patch, so the CRM record itself knows its meeting. ``only_if_url``: change nothing unless the
    appointment still holds that link (a ``test`` operation; AppointmentChangedMeanwhile otherwise)."""
    operations: list[dict[str, Any]] = []
    if only_if_url is not None:
        operations.append({"op": "test", "path": "/JoinVideomeetUrl", "value": only_if_url})
    operations += [
        {"op": "replace", "path": "/JoinVideomeetUrl", "value": join_url[:URL_LIMIT]},
        {"op": "replace", "path": "/CentralserviceVideomeetId", "value": meeting_id[:ID_LIMIT]},
    ]
    await _appointment_call(http, "PATCH", webapi_url, access_token, appointment_id, json=operations)


async def write_fields(
    http: httpx.AsyncClient,
    webapi_url: str,
    access_token: str,
    appointment_id: int,
    *,
    expected: dict[str, str],
    changes: dict[str, str],
) -> None:
    """Change top-level text fields with one JSON Patch, each only if it still holds what ``expected`` says (a
    ``test`` operation first; AppointmentChangedMeanwhile when one fails, and then nothing changes)."""
    operations: list[dict[str, Any]] = [
        {"op": "test", "path": f"/{name}", "value": value} for name, value in expected.items()
    ]
    operations += [{"op": "replace", "path": f"/{name}", "value": value} for name, value in changes.items()]
    await _appointment_call(http, "PATCH", webapi_url, access_token, appointment_id, json=operations)


async def _appointment_call(
    http: httpx.AsyncClient, method: str, webapi_url: str, access_token: str, appointment_id: int, *, json: Any = None
) -> httpx.Response:
    """One call on ``/v1/Appointment/{id}`` as the user; SuperOffice's refusals as this module's exceptions."""
    url = f"{webapi_url.rstrip('/')}/v1/Appointment/{appointment_id}"
    response = await webapi_call(http, method, url, access_token, json=json)
    if response.status_code == 404:
        raise AppointmentGone(str(appointment_id))
    if response.status_code == 409:
        raise AppointmentChangedMeanwhile(error_message(response))
    if response.status_code != 200:
        raise CrmUnavailable(f"SuperOffice answered {response.status_code}: {error_message(response)}")
    return response


def _appointment(entity: dict[str, Any]) -> CrmAppointment:
    start, end = webapi_date(entity["StartDate"]), webapi_date(entity["EndDate"])
    if start is None or end is None:
        raise ValueError("StartDate and EndDate must be dates")
    participants = tuple(
        CrmParticipant(
            email=str(item.get("EmailAddress") or "").strip(),
            send_email=bool(item.get("SendEmail")),
            associate_id=int(item.get("AssociateId") or 0),
        )
        for item in entity.get("Participants") or []
        if isinstance(item, dict)
    )
    return CrmAppointment(
        appointment_id=int(entity["AppointmentId"]),
        title=str(entity.get("Title") or ""),
        start=start,
        end=end,
        participants=participants,
        location=str(entity.get("Location") or ""),
        description=str(entity.get("Description") or ""),
        join_videomeet_url=str(entity.get("JoinVideomeetUrl") or ""),
        owner_id=int((entity.get("Associate") or {}).get("AssociateId") or 0),
        alarm_minutes_before=_lead_minutes(entity.get("AlarmLeadTime")) if entity.get("HasAlarm") else None,
    )


_DURATION = re.compile(r"^PT(?:(\d+)H)?(?:(\d+)M)?(?:\d+S)?$")


def _lead_minutes(value: Any) -> int:
    """``AlarmLeadTime``: an ISO 8601 duration (``PT15M``, ``PT1H``); anything else counts as "at start"."""
    match = _DURATION.match(value) if isinstance(value, str) else None
    return int(match.group(1) or 0) * 60 + int(match.group(2) or 0) if match else 0
