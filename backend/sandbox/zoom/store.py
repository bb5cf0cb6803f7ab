"""What the Zoom emulator remembers: its users, OAuth codes and tokens, and meetings (one SQLite file)."""

from __future__ import annotations

import json
import secrets
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backend.sandbox.sqlite import connect

CODE_LIFETIME_SECONDS = 300  # Zoom: authorization codes live 5 minutes
ACCESS_TOKEN_LIFETIME_SECONDS = 3599

_SCHEMA = """
CREATE TABLE IF NOT EXISTS zoom_user (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS zoom_code (
    code TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    code_challenge TEXT,
    code_challenge_method TEXT,
    expires_at REAL NOT NULL,
    used INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS zoom_token (
    access_token TEXT PRIMARY KEY,
    refresh_token TEXT NOT NULL UNIQUE,
    client_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    access_expires_at REAL NOT NULL,
    refresh_usable INTEGER NOT NULL DEFAULT 1,
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS zoom_meeting (
    id INTEGER PRIMARY KEY,
    uuid TEXT NOT NULL,
    host_id TEXT NOT NULL,
    topic TEXT NOT NULL,
    type INTEGER NOT NULL,
    start_time TEXT,
    duration INTEGER NOT NULL,
    timezone TEXT NOT NULL,
    agenda TEXT NOT NULL,
    password TEXT NOT NULL,
    settings TEXT NOT NULL,
    created_at TEXT NOT NULL,
    progress TEXT NOT NULL DEFAULT 'scheduled'
);
"""
PROGRESS = ("scheduled", "started", "ended")
"""Whether a meeting was held: the sandbox's own switch (``/zoom/_sandbox/meetings/{id}/start|end``), since nobody
joins the emulator's meetings. Zoom's ``status`` shows ``started`` while one runs, else ``waiting``."""

SCOPES = "meeting:write:meeting meeting:read:meeting meeting:update:meeting meeting:delete:meeting user:read:user"


@dataclass(frozen=True)
class ZoomUser:
    id: str
    email: str
    account_id: str
    first_name: str
    last_name: str


@dataclass(frozen=True)
class ZoomToken:
    access_token: str
    refresh_token: str
    client_id: str
    user_id: str
    access_expires_at: float
    refresh_usable: bool
    revoked: bool


def _zoom_id() -> str:
    return secrets.token_urlsafe(16)[:22]


class ZoomStore:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "zoom.sqlite3"
        data_dir.mkdir(parents=True, exist_ok=True)
        with connect(self.path) as db:
            db.executescript(_SCHEMA)
            columns = {row["name"] for row in db.execute("PRAGMA table_info(zoom_meeting)")}
            if "progress" not in columns:  # a data directory from before meetings could be held
                db.execute("ALTER TABLE zoom_meeting ADD COLUMN progress TEXT NOT NULL DEFAULT 'scheduled'")

    # Users: whoever types an e-mail address on the consent page is (or becomes) a Zoom user.

    def user_for_email(self, email: str) -> ZoomUser:
        email = email.strip().lower()
        with connect(self.path) as db:
            row = db.execute("SELECT * FROM zoom_user WHERE email = ?", (email,)).fetchone()
            if row is None:
                name = email.split("@")[0]
                user = ZoomUser(_zoom_id(), email, _zoom_id(), name.capitalize(), "Zoom")
                db.execute("INSERT INTO zoom_user VALUES (?, ?, ?, ?, ?)", tuple(user.__dict__.values()))
                return user
        return ZoomUser(**dict(row))

    def user(self, user_id: str) -> ZoomUser | None:
        with connect(self.path) as db:
            row = db.execute("SELECT * FROM zoom_user WHERE id = ?", (user_id,)).fetchone()
        return ZoomUser(**dict(row)) if row else None

    # OAuth

    def new_code(self, *, client_id: str, user_id: str, redirect_uri: str, challenge: str | None, method: str | None):
        code = secrets.token_urlsafe(24)
        with connect(self.path) as db:
            db.execute(
                "INSERT INTO zoom_code (code, client_id, user_id, redirect_uri, code_challenge, code_challenge_method,"
                " expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (code, client_id, user_id, redirect_uri, challenge, method, time.time() + CODE_LIFETIME_SECONDS),
            )
        return code

    def redeem_code(self, code: str, client_id: str) -> sqlite3.Row | None:
        """The code's row, marked used; None if unknown, expired, used or another client's."""
        with connect(self.path) as db:
            row = db.execute(
                "SELECT * FROM zoom_code WHERE code = ? AND client_id = ? AND used = 0 AND expires_at > ?",
                (code, client_id, time.time()),
            ).fetchone()
            if row is not None:
                db.execute("UPDATE zoom_code SET used = 1 WHERE code = ?", (code,))
        return row

    def issue_token(self, client_id: str, user_id: str) -> ZoomToken:
        token = ZoomToken(
            access_token=secrets.token_urlsafe(48),
            refresh_token=secrets.token_urlsafe(48),
            client_id=client_id,
            user_id=user_id,
            access_expires_at=time.time() + ACCESS_TOKEN_LIFETIME_SECONDS,
            refresh_usable=True,
            revoked=False,
        )
        with connect(self.path) as db:
            db.execute(
                "INSERT INTO zoom_token VALUES (?, ?, ?, ?, ?, 1, 0)",
                (token.access_token, token.refresh_token, client_id, user_id, token.access_expires_at),
            )
        return token

    def rotate(self, refresh_token: str, client_id: str) -> ZoomToken | None:
        """Zoom's rotation: a usable refresh token gives a new pair and is itself dead at once."""
        with connect(self.path) as db:
            cursor = db.execute(
                "UPDATE zoom_token SET refresh_usable = 0 WHERE refresh_token = ? AND client_id = ?"
                " AND refresh_usable = 1 AND revoked = 0",
                (refresh_token, client_id),
            )
            if cursor.rowcount != 1:
                return None
            row = db.execute("SELECT user_id FROM zoom_token WHERE refresh_token = ?", (refresh_token,)).fetchone()
        return self.issue_token(client_id, row["user_id"])

    def token(self, access_token: str) -> ZoomToken | None:
        with connect(self.path) as db:
            row = db.execute("SELECT * FROM zoom_token WHERE access_token = ?", (access_token,)).fetchone()
        if row is None:
            return None
        values = dict(row)
        values["refresh_usable"], values["revoked"] = bool(values["refresh_usable"]), bool(values["revoked"])
        return ZoomToken(**values)

    def revoke_user(self, client_id: str, user_id: str) -> int:
        """Uninstall: every token of this app for this user stops working. Returns how many were live."""
        with connect(self.path) as db:
            cursor = db.execute(
                "UPDATE zoom_token SET revoked = 1 WHERE client_id = ? AND user_id = ? AND revoked = 0",
                (client_id, user_id),
            )
        return cursor.rowcount

    def owner_of(self, token: str, client_id: str) -> str | None:
        """The user behind an access or refresh token of this app (for /oauth/revoke)."""
        with connect(self.path) as db:
            row = db.execute(
                "SELECT user_id FROM zoom_token WHERE client_id = ? AND (access_token = ? OR refresh_token = ?)",
                (client_id, token, token),
            ).fetchone()
        return row["user_id"] if row else None

    def installed_apps(self, user_id: str) -> list[str]:
        with connect(self.path) as db:
            rows = db.execute(
                "SELECT DISTINCT client_id FROM zoom_token WHERE user_id = ? AND revoked = 0", (user_id,)
            ).fetchall()
        return [row["client_id"] for row in rows]

    # Meetings

    def add_meeting(self, host_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        meeting_id = secrets.randbelow(9 * 10**10) + 10**10  # 11 digits, like Zoom's meeting ids
        row = {
            "id": meeting_id,
            "uuid": secrets.token_urlsafe(16),
            "host_id": host_id,
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            **fields,
            "settings": json.dumps(fields.get("settings", {})),
        }
        with connect(self.path) as db:
            db.execute(
                "INSERT INTO zoom_meeting (id, uuid, host_id, topic, type, start_time, duration, timezone, agenda,"
                " password, settings, created_at) VALUES (:id, :uuid, :host_id, :topic, :type, :start_time,"
                " :duration, :timezone, :agenda, :password, :settings, :created_at)",
                row,
            )
        return self.meeting(meeting_id) or {}

    def meeting(self, meeting_id: int) -> dict[str, Any] | None:
        with connect(self.path) as db:
            row = db.execute("SELECT * FROM zoom_meeting WHERE id = ?", (meeting_id,)).fetchone()
        if row is None:
            return None
        values = dict(row)
        values["settings"] = json.loads(values["settings"])
        return values

    def update_meeting(self, meeting_id: int, fields: dict[str, Any]) -> None:
        if "settings" in fields:
            current = (self.meeting(meeting_id) or {}).get("settings", {})
            fields = {**fields, "settings": json.dumps({**current, **fields["settings"]})}
        assignments = ", ".join(f"{name} = :{name}" for name in fields)
        with connect(self.path) as db:
            db.execute(f"UPDATE zoom_meeting SET {assignments} WHERE id = :id", {**fields, "id": meeting_id})  # noqa: S608

    def set_progress(self, meeting_id: int, progress: str) -> None:
        with connect(self.path) as db:
            db.execute("UPDATE zoom_meeting SET progress = ? WHERE id = ?", (progress, meeting_id))

    def delete_meeting(self, meeting_id: int) -> None:
        with connect(self.path) as db:
            db.execute("DELETE FROM zoom_meeting WHERE id = ?", (meeting_id,))

    def meetings(self, host_id: str | None = None) -> list[dict[str, Any]]:
        with connect(self.path) as db:
            rows = db.execute(
                "SELECT id FROM zoom_meeting WHERE ? IS NULL OR host_id = ? ORDER BY created_at, id", (host_id, host_id)
            ).fetchall()
        return [meeting for row in rows if (meeting := self.meeting(row["id"]))]
