"""The emulated CRM's own appointment store: one SQLite file, so appointments outlive a restart."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from backend.sandbox.sqlite import connect

_SCHEMA = """
CREATE TABLE IF NOT EXISTS appointment (
    appointment_id INTEGER PRIMARY KEY AUTOINCREMENT,
    context_id TEXT NOT NULL,
    associate_id INTEGER NOT NULL,
    title TEXT NOT NULL,
    task_id INTEGER NOT NULL,
    start TEXT NOT NULL,
    "end" TEXT NOT NULL,
    location TEXT NOT NULL,
    description TEXT NOT NULL,
    has_alarm INTEGER NOT NULL,
    alarm_lead_minutes INTEGER NOT NULL,
    participants TEXT NOT NULL,
    join_videomeet_url TEXT NOT NULL,
    centralservice_videomeet_id TEXT NOT NULL,
    updated TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_appointment_diary ON appointment (context_id, associate_id, start);
"""


@dataclass(frozen=True)
class Participant:
    email_address: str
    send_email: bool = False
    associate_id: int = 0
    person_id: int = 0
    invitation_status: str = "NotInvited"


@dataclass(frozen=True)
class Appointment:
    context_id: str
    associate_id: int
    title: str
    task_id: int
    start: datetime
    end: datetime
    location: str = ""
    description: str = ""
    has_alarm: bool = False
    alarm_lead_minutes: int = 15
    participants: tuple[Participant, ...] = field(default_factory=tuple)
    join_videomeet_url: str = ""
    centralservice_videomeet_id: str = ""
    updated: datetime = field(default_factory=lambda: datetime.now(UTC))
    appointment_id: int = 0


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


class AppointmentStore:
    """Appointments per CRM context (tenant). A short-lived connection per call keeps it thread-safe."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with connect(self.path) as db:
            db.executescript(_SCHEMA)

    def add(self, appointment: Appointment) -> Appointment:
        row = self._row(appointment)
        del row["appointment_id"]
        columns = ", ".join(f'"{name}"' for name in row)
        marks = ", ".join(f":{name}" for name in row)
        with connect(self.path) as db:
            cursor = db.execute(f"INSERT INTO appointment ({columns}) VALUES ({marks})", row)  # noqa: S608
        return replace(appointment, appointment_id=int(cursor.lastrowid or 0))

    def get(self, context_id: str, appointment_id: int) -> Appointment | None:
        with connect(self.path) as db:
            row = db.execute(
                "SELECT * FROM appointment WHERE context_id = ? AND appointment_id = ?",
                (context_id, appointment_id),
            ).fetchone()
        return self._appointment(row) if row else None

    def save(self, appointment: Appointment) -> Appointment:
        """Replace a stored appointment (same context and id); the caller checked that it exists."""
        saved = replace(appointment, updated=datetime.now(UTC))
        row = self._row(saved)
        assignments = ", ".join(f'"{name}" = :{name}' for name in row if name != "appointment_id")
        with connect(self.path) as db:
            db.execute(
                f"UPDATE appointment SET {assignments} "  # noqa: S608
                "WHERE appointment_id = :appointment_id AND context_id = :context_id",
                row,
            )
        return saved

    def delete(self, context_id: str, appointment_id: int) -> bool:
        with connect(self.path) as db:
            cursor = db.execute(
                "DELETE FROM appointment WHERE context_id = ? AND appointment_id = ?",
                (context_id, appointment_id),
            )
        return cursor.rowcount == 1

    def diary(self, context_id: str, associate_id: int, start: datetime, end: datetime) -> list[Appointment]:
        """The associate's appointments that overlap ``[start, end)``, earliest first."""
        with connect(self.path) as db:
            rows = db.execute(
                'SELECT * FROM appointment WHERE context_id = ? AND associate_id = ? AND start < ? AND "end" > ? '
                "ORDER BY start, appointment_id",
                (context_id, associate_id, _utc_text(end), _utc_text(start)),
            ).fetchall()
        return [self._appointment(row) for row in rows]

    @staticmethod
    def _row(appointment: Appointment) -> dict[str, Any]:
        row = asdict(appointment)
        row["start"] = _utc_text(appointment.start)
        row["end"] = _utc_text(appointment.end)
        row["updated"] = _utc_text(appointment.updated)
        row["has_alarm"] = int(appointment.has_alarm)
        row["participants"] = json.dumps([asdict(p) for p in appointment.participants])
        return row

    @staticmethod
    def _appointment(row: sqlite3.Row) -> Appointment:
        values = dict(row)
        values["start"] = datetime.fromisoformat(values["start"])
        values["end"] = datetime.fromisoformat(values["end"])
        values["updated"] = datetime.fromisoformat(values["updated"])
        values["has_alarm"] = bool(values["has_alarm"])
        values["participants"] = tuple(Participant(**p) for p in json.loads(values["participants"]))
        return Appointment(**values)
