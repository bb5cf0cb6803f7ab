"""SuperOffice's AppointmentEntity JSON (field names as in the REST WebAPI) to and from the store's records."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from backend.sandbox.superoffice.demo_world import MEETING_TYPES, find_associate
from backend.sandbox.superoffice.store import Appointment, Participant
from backend.sandbox.superoffice.time_zones import RequestZone

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DURATION = re.compile(r"^PT(?:(\d+)H)?(?:(\d+)M)?$")
LIMITS = {
    "Title": 255,
    "Location": 254,
    "Description": 2048,
    "JoinVideomeetUrl": 2000,
    "CentralserviceVideomeetId": 100,
}


class EntityError(ValueError):
    """The request body is not an acceptable AppointmentEntity; the message says what to fix."""


def to_entity(appointment: Appointment, zone: RequestZone) -> dict[str, Any]:
    """The AppointmentEntity, its dates written as the request's ``SO-TimeZone`` asks (see ``time_zones``)."""
    associate = find_associate(appointment.context_id, appointment.associate_id)
    return {
        "AppointmentId": appointment.appointment_id,
        "Title": appointment.title,
        "Description": appointment.description,
        "Location": appointment.location,
        "StartDate": zone.write(appointment.start),
        "EndDate": zone.write(appointment.end),
        "HasAlarm": appointment.has_alarm,
        "AlarmLeadTime": f"PT{appointment.alarm_lead_minutes}M",
        "Task": {"Id": appointment.task_id, "Value": MEETING_TYPES.get(appointment.task_id, "")},
        "Associate": {
            "AssociateId": appointment.associate_id,
            "Name": associate.username if associate else "",
            "FullName": associate.full_name if associate else "",
        },
        "Participants": [
            {
                "AssociateId": p.associate_id,
                "PersonId": p.person_id,
                "ContactId": 0,
                "EmailId": 0,
                "EmailAddress": p.email_address,
                "SendEmail": p.send_email,
                "InvitationStatus": p.invitation_status,
            }
            for p in appointment.participants
        ],
        "JoinVideomeetUrl": appointment.join_videomeet_url,
        "CentralserviceVideomeetId": appointment.centralservice_videomeet_id,
        "UpdatedDate": zone.write_utc(appointment.updated),
    }


def from_entity(body: Any, zone: RequestZone, *, context_id: str, associate_id: int) -> Appointment:
    """Read an AppointmentEntity sent by a client; raise EntityError with a clear message when it is wrong."""
    if not isinstance(body, dict):
        raise EntityError("The body must be a JSON object (an AppointmentEntity).")
    for name, limit in LIMITS.items():
        value = body.get(name, "")
        if value is None:
            continue
        if not isinstance(value, str):
            raise EntityError(f"{name} must be text.")
        if len(value) > limit:
            raise EntityError(f"{name} is too long: at most {limit} characters.")
    start = _moment(body, "StartDate", zone)
    end = _moment(body, "EndDate", zone)
    if end < start:
        raise EntityError("EndDate must not be before StartDate.")
    return Appointment(
        context_id=context_id,
        associate_id=associate_id,
        title=(body.get("Title") or "").strip(),
        task_id=_task_id(body.get("Task")),
        start=start,
        end=end,
        location=body.get("Location") or "",
        description=body.get("Description") or "",
        has_alarm=bool(body.get("HasAlarm", False)),
        alarm_lead_minutes=_lead_minutes(body.get("AlarmLeadTime", "PT15M")),
        participants=_participants(body.get("Participants") or []),
        join_videomeet_url=body.get("JoinVideomeetUrl") or "",
        centralservice_videomeet_id=body.get("CentralserviceVideomeetId") or "",
    )


def _moment(body: dict[str, Any], name: str, zone: RequestZone) -> datetime:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise EntityError(f"{name} is required (a date-time, e.g. 2026-11-25T10:00:00).")
    try:
        return zone.read(value)
    except ValueError:
        raise EntityError(f"{name} is not a date-time: {value!r}.") from None


def _task_id(task: Any) -> int:
    if task is None:
        return 1
    task_id = task.get("Id") if isinstance(task, dict) else task
    if not isinstance(task_id, int) or task_id not in MEETING_TYPES:
        known = ", ".join(f"{key} ({name})" for key, name in MEETING_TYPES.items())
        raise EntityError(f"Task.Id must be one of {known}.")
    return task_id


def _lead_minutes(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        minutes = value
    elif isinstance(value, str) and (match := _DURATION.match(value)) and any(match.groups()):
        minutes = int(match.group(1) or 0) * 60 + int(match.group(2) or 0)
    else:
        raise EntityError("AlarmLeadTime must be a duration such as PT15M (or a number of minutes).")
    if not 0 <= minutes <= 7 * 24 * 60:
        raise EntityError("AlarmLeadTime must be between 0 minutes and 7 days.")
    return minutes


def _participants(items: Any) -> tuple[Participant, ...]:
    if not isinstance(items, list):
        raise EntityError("Participants must be a list.")
    participants = []
    for item in items:
        address = item.get("EmailAddress", "") if isinstance(item, dict) else ""
        if not isinstance(address, str) or not _EMAIL.match(address.strip()):
            raise EntityError(f"Participant e-mail address is not valid: {address!r}.")
        participants.append(
            Participant(
                email_address=address.strip(),
                send_email=bool(item.get("SendEmail", False)),
                associate_id=_whole_number(item.get("AssociateId"), "Participants[].AssociateId"),
                person_id=_whole_number(item.get("PersonId"), "Participants[].PersonId"),
            )
        )
    return tuple(participants)


def _whole_number(value: Any, name: str) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise EntityError(f"{name} must be a whole number.")
    return value
