"""The webhooks registered with the emulated SuperOffice (``POST /api/v1/Webhook``), per tenant, in SQLite.

States as SuperOffice names them: ``Active`` (1), ``Stopped`` (2), ``TooManyErrors`` (3). A delivery cycle is three
attempts; after 9 consecutive failed cycles the webhook goes to ``TooManyErrors`` and sends nothing until it is set
``Active`` again (SuperOfficeDocs/superoffice-docs ``docs/en/automation/webhook/notification.md``).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from backend.sandbox.sqlite import connect

STATES = ("Active", "Stopped", "TooManyErrors")
MAX_FAILED_CYCLES = 9

_SCHEMA = """
CREATE TABLE IF NOT EXISTS webhook (
    webhook_id INTEGER PRIMARY KEY AUTOINCREMENT,
    context_id TEXT NOT NULL,
    name TEXT NOT NULL,
    events TEXT NOT NULL,
    target_url TEXT NOT NULL,
    secret TEXT NOT NULL,
    state TEXT NOT NULL,
    type TEXT NOT NULL,
    registered TEXT NOT NULL,
    registered_associate_id INTEGER NOT NULL,
    updated TEXT NOT NULL,
    updated_associate_id INTEGER NOT NULL,
    consecutive_errors INTEGER NOT NULL DEFAULT 0
);
"""


@dataclass(frozen=True)
class Webhook:
    context_id: str
    name: str
    events: tuple[str, ...]
    target_url: str
    secret: str = field(repr=False)
    state: str = "Active"
    type: str = "webhook"
    registered_associate_id: int = 0
    updated_associate_id: int = 0
    registered: datetime = field(default_factory=lambda: datetime.now(UTC))
    updated: datetime = field(default_factory=lambda: datetime.now(UTC))
    consecutive_errors: int = 0
    webhook_id: int = 0


class WebhookStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with connect(self.path) as db:
            db.executescript(_SCHEMA)

    def add(self, webhook: Webhook) -> Webhook:
        row = _row(webhook)
        del row["webhook_id"]
        columns, marks = ", ".join(row), ", ".join(f":{name}" for name in row)
        with connect(self.path) as db:
            cursor = db.execute(f"INSERT INTO webhook ({columns}) VALUES ({marks})", row)  # noqa: S608
        return replace(webhook, webhook_id=int(cursor.lastrowid or 0))

    def get(self, context_id: str, webhook_id: int) -> Webhook | None:
        with connect(self.path) as db:
            row = db.execute(
                "SELECT * FROM webhook WHERE context_id = ? AND webhook_id = ?", (context_id, webhook_id)
            ).fetchone()
        return _webhook(row) if row else None

    def of_tenant(self, context_id: str) -> list[Webhook]:
        with connect(self.path) as db:
            rows = db.execute("SELECT * FROM webhook WHERE context_id = ? ORDER BY webhook_id", (context_id,))
            return [_webhook(row) for row in rows.fetchall()]

    def everyone(self) -> list[Webhook]:
        with connect(self.path) as db:
            return [_webhook(row) for row in db.execute("SELECT * FROM webhook ORDER BY webhook_id").fetchall()]

    def save(self, webhook: Webhook) -> Webhook:
        saved = replace(webhook, updated=datetime.now(UTC))
        row = _row(saved)
        assignments = ", ".join(f"{name} = :{name}" for name in row if name != "webhook_id")
        with connect(self.path) as db:
            db.execute(f"UPDATE webhook SET {assignments} WHERE webhook_id = :webhook_id", row)  # noqa: S608
        return saved

    def delete(self, context_id: str, webhook_id: int) -> bool:
        with connect(self.path) as db:
            cursor = db.execute("DELETE FROM webhook WHERE context_id = ? AND webhook_id = ?", (context_id, webhook_id))
        return cursor.rowcount == 1

    def cycle_ended(self, webhook_id: int, *, delivered: bool) -> None:
        """Count a delivery cycle: a success clears the count, the 9th failure in a row stops the webhook."""
        with connect(self.path) as db:
            if delivered:
                db.execute("UPDATE webhook SET consecutive_errors = 0 WHERE webhook_id = ?", (webhook_id,))
                return
            db.execute(
                "UPDATE webhook SET consecutive_errors = consecutive_errors + 1, "
                "state = CASE WHEN consecutive_errors + 1 >= ? AND state = 'Active' "
                "THEN 'TooManyErrors' ELSE state END "
                "WHERE webhook_id = ?",
                (MAX_FAILED_CYCLES, webhook_id),
            )


def _row(webhook: Webhook) -> dict[str, Any]:
    row = asdict(webhook)
    row["events"] = json.dumps(list(webhook.events))
    row["registered"] = webhook.registered.astimezone(UTC).isoformat()
    row["updated"] = webhook.updated.astimezone(UTC).isoformat()
    return row


def _webhook(row: sqlite3.Row) -> Webhook:
    values = dict(row)
    values["events"] = tuple(json.loads(values["events"]))
    values["registered"] = datetime.fromisoformat(values["registered"])
    values["updated"] = datetime.fromisoformat(values["updated"])
    return Webhook(**values)
