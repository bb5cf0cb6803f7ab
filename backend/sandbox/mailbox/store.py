"""The mailbox's messages: one SQLite file, so sent invitations outlive a restart of ``meetings serve``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import cast

from backend.sandbox.sqlite import connect

_SCHEMA = """
CREATE TABLE IF NOT EXISTS message (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    received TEXT NOT NULL,
    mail_from TEXT NOT NULL,
    rcpt_to TEXT NOT NULL,
    raw BLOB NOT NULL
);
"""
MAX_KEPT = 500


@dataclass(frozen=True)
class StoredMail:
    id: int
    received: datetime
    mail_from: str
    rcpt_to: tuple[str, ...]
    raw: bytes

    @property
    def parsed(self) -> EmailMessage:
        return cast(EmailMessage, message_from_bytes(self.raw, policy=policy.default))


class MailStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with connect(path) as db:
            db.executescript(_SCHEMA)

    def add(self, mail_from: str, rcpt_to: list[str], raw: bytes) -> int:
        with connect(self.path) as db:
            cursor = db.execute(
                "INSERT INTO message (received, mail_from, rcpt_to, raw) VALUES (?, ?, ?, ?)",
                (datetime.now(UTC).isoformat(), mail_from, "\n".join(rcpt_to), raw),
            )
            db.execute("DELETE FROM message WHERE id <= ?", (int(cursor.lastrowid or 0) - MAX_KEPT,))
        return int(cursor.lastrowid or 0)

    def newest_first(self) -> list[StoredMail]:
        with connect(self.path) as db:
            rows = db.execute("SELECT * FROM message ORDER BY id DESC").fetchall()
        return [self._mail(row) for row in rows]

    def get(self, message_id: int) -> StoredMail | None:
        with connect(self.path) as db:
            row = db.execute("SELECT * FROM message WHERE id = ?", (message_id,)).fetchone()
        return self._mail(row) if row else None

    def clear(self) -> None:
        with connect(self.path) as db:
            db.execute("DELETE FROM message")

    @staticmethod
    def _mail(row: object) -> StoredMail:
        return StoredMail(
            id=row["id"],  # type: ignore[index]
            received=datetime.fromisoformat(row["received"]),  # type: ignore[index]
            mail_from=row["mail_from"],  # type: ignore[index]
            rcpt_to=tuple(filter(None, row["rcpt_to"].split("\n"))),  # type: ignore[index]
            raw=bytes(row["raw"]),  # type: ignore[index]
        )
