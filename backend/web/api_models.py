"""What the extension's API takes and gives: request bodies with their bounds (checked by msgspec before a handler
runs, and shown in the OpenAPI schema), and the meeting it answers with.

Every bound is one a real client stays within, and one past which something would break: an id SuperOffice cannot
have (its ids are 32-bit), an alarm that is no alarm, a text longer than the column that keeps it or with a NUL in it
(PostgreSQL cannot store one).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

import msgspec
from msgspec import UNSET, Meta, UnsetType

from backend.crm.ids import MAX_ID as MAX_CRM_ID
from backend.models import Meeting
from backend.web.bounds import NO_NUL

MAX_DURATION_MINUTES = 24 * 60
MAX_ALARM_MINUTES = 28 * 24 * 60
MAX_APPOINTMENTS_PER_QUERY = 200
EARLIEST_START = datetime(2000, 1, 1, tzinfo=UTC)
LATEST_START = datetime(2999, 12, 31, tzinfo=UTC)

Topic = Annotated[str, Meta(max_length=255, pattern=NO_NUL, description="The meeting's title (the appointment's).")]
Start = Annotated[
    datetime, Meta(tz=True, description="A date-time with its UTC offset, e.g. 2026-11-25T10:00:00+01:00")
]
Duration = Annotated[int, Meta(ge=1, le=MAX_DURATION_MINUTES, description="Minutes, at most a day.")]
TimeZone = Annotated[
    str, Meta(min_length=1, max_length=64, pattern=NO_NUL, description="An IANA time zone such as Europe/Oslo.")
]
IdempotencyKey = Annotated[str, Meta(min_length=1, max_length=128, pattern=NO_NUL, description="One per click: the "
                                     "same key again returns the same meeting.")]  # fmt: skip
AppointmentId = Annotated[int, Meta(ge=1, le=MAX_CRM_ID, description="The SuperOffice appointment's id.")]
AlarmMinutes = Annotated[
    int, Meta(ge=0, le=MAX_ALARM_MINUTES, description="Minutes before the start, at most 4 weeks.")
]
Agenda = Annotated[str, Meta(max_length=2000, pattern=NO_NUL)]

FIELD_RULES = {
    "topic": "topic must be text of at most 255 characters (and no NUL character).",
    "start": "start must be a date-time with its UTC offset, e.g. 2026-11-25T10:00:00+01:00.",
    "duration_minutes": f"duration_minutes must be a whole number from 1 to {MAX_DURATION_MINUTES} (a day).",
    "timezone": "timezone must be an IANA time zone such as Europe/Oslo.",
    "idempotency_key": "idempotency_key must be 1 to 128 characters, no NUL among them (one per click).",
    "appointment_id": f"appointment_id must be a SuperOffice appointment id (1 to {MAX_CRM_ID}).",
    "alarm_minutes_before": f"alarm_minutes_before must be a whole number from 0 to {MAX_ALARM_MINUTES} (4 weeks), "
    "or null for no alarm.",
    "agenda": "agenda must be text of at most 2000 characters (and no NUL character).",
    "appointment": f"Each appointment must be a SuperOffice appointment id (1 to {MAX_CRM_ID}); ask for at most "
    f"{MAX_APPOINTMENTS_PER_QUERY} at once.",
}
"""What a person is told when a field breaks its bound (msgspec's own wording is for programmers)."""


class MeetingIn(msgspec.Struct):
    """A video meeting for an appointment."""

    topic: Topic
    start: Start
    duration_minutes: Duration
    idempotency_key: IdempotencyKey
    timezone: TimeZone = "UTC"
    appointment_id: AppointmentId | None = None
    alarm_minutes_before: AlarmMinutes | None = None
    agenda: Agenda = ""


class MeetingChangeIn(msgspec.Struct, forbid_unknown_fields=True):
    """Only the fields given change. ``alarm_minutes_before``: null turns the alarm off; absent leaves it (it moves
    with the meeting). Any other field null: no change."""

    topic: Topic | UnsetType | None = UNSET
    start: Start | UnsetType | None = UNSET
    duration_minutes: Duration | UnsetType | None = UNSET
    timezone: TimeZone | UnsetType | None = UNSET
    appointment_id: AppointmentId | UnsetType | None = UNSET
    alarm_minutes_before: AlarmMinutes | UnsetType | None = UNSET


class MeetingOut(msgspec.Struct):
    id: uuid.UUID
    provider: str
    join_url: str
    topic: str
    start: datetime
    duration_minutes: int
    timezone: str
    appointment_id: int | None
    alarm_at: datetime | None

    @classmethod
    def of(cls, meeting: Meeting) -> MeetingOut:
        return cls(
            id=meeting.id,
            provider=meeting.provider,
            join_url=meeting.join_url,
            topic=meeting.topic,
            start=meeting.start_at.astimezone(UTC),
            duration_minutes=meeting.duration_minutes,
            timezone=meeting.timezone,
            appointment_id=meeting.appointment_id,
            alarm_at=meeting.alarm_at.astimezone(UTC) if meeting.alarm_at else None,
        )


def given(value: object) -> object | None:
    """None for a field the request left out (UNSET) or sent as null."""
    return None if value is UNSET else value
