"""What the Microsoft emulator remembers: users, consents (grants), codes, tokens and online meetings (one SQLite file).

A grant is one user's consent to one app (the Entra ``oauth2PermissionGrant``): later consents add scopes to it,
refresh tokens and access tokens hang off it, and revoking it ends its refresh tokens (access tokens live on until
they expire, as Microsoft's do). The next consent after a revocation starts a new grant.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from backend.sandbox.sqlite import connect

CODE_LIFETIME_SECONDS = 600  # "about 10 minutes" (identity platform, auth code flow)
REFRESH_LIFETIME_SECONDS = 90 * 24 * 3600  # 90 days for web apps
ACCESS_LIFETIME_RANGE = (3600, 5400)  # a random 60 to 90 minutes, as Microsoft spreads them

_SCHEMA = """
CREATE TABLE IF NOT EXISTS ms_user (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    tenant_id TEXT NOT NULL,
    display_name TEXT NOT NULL,
    mail TEXT
);
CREATE TABLE IF NOT EXISTS ms_grant (
    id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    scopes TEXT NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS ms_code (
    code TEXT PRIMARY KEY,
    grant_id TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    code_challenge TEXT,
    code_challenge_method TEXT,
    scopes TEXT NOT NULL,
    expires_at REAL NOT NULL,
    used INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS ms_refresh_token (
    token TEXT PRIMARY KEY,
    grant_id TEXT NOT NULL,
    expires_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS ms_access_token (
    token TEXT PRIMARY KEY,
    grant_id TEXT NOT NULL,
    scopes TEXT NOT NULL,
    expires_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS ms_meeting (
    id TEXT PRIMARY KEY,
    thread_id TEXT NOT NULL UNIQUE,
    owner_id TEXT NOT NULL,
    subject TEXT,
    start_at TEXT NOT NULL,
    end_at TEXT NOT NULL,
    lobby_scope TEXT NOT NULL,
    dial_in_bypass INTEGER NOT NULL,
    join_meeting_id TEXT NOT NULL,
    passcode TEXT,
    video_teleconference_id TEXT NOT NULL,
    extra TEXT NOT NULL,
    created_at TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0
);
"""


@dataclass(frozen=True)
class MicrosoftUser:
    id: str
    email: str
    """The sign-in name (userPrincipalName)."""
    tenant_id: str
    display_name: str
    mail: str | None
    """The mailbox address; None for accounts without one (``nomail...@``)."""


@dataclass(frozen=True)
class Grant:
    id: str
    client_id: str
    user_id: str
    scopes: tuple[str, ...]
    revoked: bool


@dataclass(frozen=True)
class AccessToken:
    user: MicrosoftUser
    scopes: tuple[str, ...]
    expires_at: float


def _scopes(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _user(row: Any) -> MicrosoftUser:
    return MicrosoftUser(**dict(row))


def _grant(row: Any) -> Grant:
    return Grant(row["id"], row["client_id"], row["user_id"], _scopes(row["scopes"]), bool(row["revoked"]))


def _display_name(email: str) -> str:
    return " ".join(part.capitalize() for part in re.split(r"[._-]+", email.split("@")[0]) if part) or email


def _merged(scopes: tuple[str, ...], more: tuple[str, ...]) -> tuple[str, ...]:
    known = {scope.lower() for scope in scopes}
    return scopes + tuple(scope for scope in more if scope.lower() not in known)


class MicrosoftStore:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "microsoft.sqlite3"
        data_dir.mkdir(parents=True, exist_ok=True)
        with connect(self.path) as db:
            db.executescript(_SCHEMA)

    # Users: whoever types an e-mail address on the consent page is (or becomes) a work account.

    def user_for_email(self, email: str) -> MicrosoftUser:
        email = email.strip().lower()
        with connect(self.path) as db:
            row = db.execute("SELECT * FROM ms_user WHERE email = ?", (email,)).fetchone()
            if row is not None:
                return _user(row)
            domain = email.split("@")[-1]
            user = MicrosoftUser(
                id=str(uuid.uuid4()),
                email=email,
                tenant_id=str(uuid.uuid5(uuid.NAMESPACE_DNS, domain)),  # one tenant per domain
                display_name=_display_name(email),
                mail=None if email.startswith("nomail") else email,
            )
            db.execute("INSERT INTO ms_user VALUES (?, ?, ?, ?, ?)", tuple(user.__dict__.values()))
        return user

    def find_user(self, email: str) -> MicrosoftUser | None:
        with connect(self.path) as db:
            row = db.execute("SELECT * FROM ms_user WHERE email = ?", (email.strip().lower(),)).fetchone()
        return _user(row) if row else None

    def user(self, user_id: str) -> MicrosoftUser | None:
        with connect(self.path) as db:
            row = db.execute("SELECT * FROM ms_user WHERE id = ?", (user_id,)).fetchone()
        return _user(row) if row else None

    # Consent, codes and tokens

    def consent(self, client_id: str, user_id: str, scopes: tuple[str, ...]) -> Grant:
        """Record consent: the user's live grant for this app gains the scopes (a new grant if none is live)."""
        with connect(self.path) as db:
            row = db.execute(
                "SELECT * FROM ms_grant WHERE client_id = ? AND user_id = ? AND revoked = 0", (client_id, user_id)
            ).fetchone()
            if row is None:
                grant = Grant(str(uuid.uuid4()), client_id, user_id, scopes, revoked=False)
                db.execute(
                    "INSERT INTO ms_grant VALUES (?, ?, ?, ?, 0)", (grant.id, client_id, user_id, " ".join(scopes))
                )
                return grant
            merged = _merged(_scopes(row["scopes"]), scopes)
            db.execute("UPDATE ms_grant SET scopes = ? WHERE id = ?", (" ".join(merged), row["id"]))
        return Grant(row["id"], client_id, user_id, merged, revoked=False)

    def grant(self, grant_id: str) -> Grant | None:
        with connect(self.path) as db:
            row = db.execute("SELECT * FROM ms_grant WHERE id = ?", (grant_id,)).fetchone()
        return _grant(row) if row else None

    def new_code(
        self, grant: Grant, *, redirect_uri: str, scopes: tuple[str, ...], challenge: str | None, method: str | None
    ) -> str:
        code = "1." + secrets.token_urlsafe(96)
        with connect(self.path) as db:
            db.execute(
                "INSERT INTO ms_code VALUES (?, ?, ?, ?, ?, ?, ?, 0)",
                (
                    code,
                    grant.id,
                    redirect_uri,
                    challenge,
                    method,
                    " ".join(scopes),
                    time.time() + CODE_LIFETIME_SECONDS,
                ),
            )
        return code

    def redeem_code(self, code: str) -> dict[str, Any] | None:
        """The code's row with ``client_id`` and whether it was used before (it is used now); None if unknown."""
        with connect(self.path) as db:
            row = db.execute(
                "SELECT ms_code.*, ms_grant.client_id FROM ms_code JOIN ms_grant ON ms_grant.id = ms_code.grant_id"
                " WHERE code = ?",
                (code,),
            ).fetchone()
            if row is not None:
                db.execute("UPDATE ms_code SET used = 1 WHERE code = ?", (code,))
        return dict(row) if row else None

    def issue_tokens(self, grant: Grant, *, with_refresh: bool) -> tuple[str, int, str | None]:
        """A new access token (and its lifetime in seconds), and a new refresh token when asked for."""
        lifetime = ACCESS_LIFETIME_RANGE[0] + secrets.randbelow(ACCESS_LIFETIME_RANGE[1] - ACCESS_LIFETIME_RANGE[0] + 1)
        access = "eyJ0eXAiOiJKV1QiLCJub25jZSI6" + secrets.token_urlsafe(96)  # shaped like a JWT's start, opaque
        refresh = "1.AXkA" + secrets.token_urlsafe(120) if with_refresh else None
        now = time.time()
        with connect(self.path) as db:
            db.execute(
                "INSERT INTO ms_access_token VALUES (?, ?, ?, ?)",
                (access, grant.id, " ".join(grant.scopes), now + lifetime),
            )
            if refresh is not None:
                db.execute(
                    "INSERT INTO ms_refresh_token VALUES (?, ?, ?)", (refresh, grant.id, now + REFRESH_LIFETIME_SECONDS)
                )
        return access, lifetime, refresh

    def refresh_token(self, token: str, client_id: str) -> tuple[Grant, float] | None:
        """The grant behind a refresh token of this app and when the token expires; None if unknown."""
        with connect(self.path) as db:
            row = db.execute(
                "SELECT ms_grant.*, ms_refresh_token.expires_at FROM ms_refresh_token"
                " JOIN ms_grant ON ms_grant.id = ms_refresh_token.grant_id WHERE token = ? AND client_id = ?",
                (token, client_id),
            ).fetchone()
        return (_grant(row), row["expires_at"]) if row else None

    def access_token(self, token: str) -> AccessToken | None:
        with connect(self.path) as db:
            row = db.execute(
                "SELECT ms_access_token.scopes AS token_scopes, ms_access_token.expires_at AS token_expires_at,"
                " ms_user.* FROM ms_access_token JOIN ms_grant ON ms_grant.id = ms_access_token.grant_id"
                " JOIN ms_user ON ms_user.id = ms_grant.user_id WHERE token = ?",
                (token,),
            ).fetchone()
        if row is None:
            return None
        values = dict(row)
        scopes, expires_at = _scopes(values.pop("token_scopes")), values.pop("token_expires_at")
        return AccessToken(MicrosoftUser(**values), scopes, expires_at)

    def revoke_user(self, user_id: str) -> int:
        """The user removes the app(s): their grants end. Returns how many were live."""
        with connect(self.path) as db:
            cursor = db.execute("UPDATE ms_grant SET revoked = 1 WHERE user_id = ? AND revoked = 0", (user_id,))
        return cursor.rowcount

    def expire_access_tokens(self, user_id: str) -> int:
        now = time.time()
        with connect(self.path) as db:
            cursor = db.execute(
                "UPDATE ms_access_token SET expires_at = ? WHERE expires_at > ? AND grant_id IN"
                " (SELECT id FROM ms_grant WHERE user_id = ?)",
                (now, now, user_id),
            )
        return cursor.rowcount

    # Online meetings

    def add_meeting(self, owner: MicrosoftUser, fields: dict[str, Any]) -> dict[str, Any]:
        # Graph's ids are base64 of "1*{organizer id}*0**{chat thread id}"; the thread id names the meeting.
        thread_id = f"19:meeting_{base64.b64encode(str(uuid.uuid4()).encode()).decode().rstrip('=')}@thread.v2"
        meeting_id = base64.urlsafe_b64encode(f"1*{owner.id}*0**{thread_id}".encode()).decode().rstrip("=")
        row = {
            "id": meeting_id,
            "thread_id": thread_id,
            "owner_id": owner.id,
            "join_meeting_id": str(secrets.randbelow(9 * 10**11) + 10**11),  # 12 digits
            "video_teleconference_id": str(secrets.randbelow(9 * 10**9) + 10**9),
            "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f0Z"),
            **fields,
            "extra": json.dumps(fields.get("extra", {})),
        }
        with connect(self.path) as db:
            db.execute(
                "INSERT INTO ms_meeting (id, thread_id, owner_id, subject, start_at, end_at, lobby_scope,"
                " dial_in_bypass, join_meeting_id, passcode, video_teleconference_id, extra, created_at) VALUES (:id,"
                " :thread_id, :owner_id, :subject, :start_at, :end_at, :lobby_scope, :dial_in_bypass,"
                " :join_meeting_id, :passcode, :video_teleconference_id, :extra, :created_at)",
                row,
            )
        return self.meeting(meeting_id) or {}

    def meeting(self, meeting_id: str) -> dict[str, Any] | None:
        return self._one("SELECT * FROM ms_meeting WHERE id = ?", meeting_id)

    def meeting_by_thread(self, thread_id: str) -> dict[str, Any] | None:
        return self._one("SELECT * FROM ms_meeting WHERE thread_id = ?", thread_id)

    def _one(self, query: str, key: str) -> dict[str, Any] | None:
        with connect(self.path) as db:
            row = db.execute(query, (key,)).fetchone()
        if row is None:
            return None
        values = dict(row)
        values["extra"] = json.loads(values["extra"])
        values["dial_in_bypass"], values["deleted"] = bool(values["dial_in_bypass"]), bool(values["deleted"])
        return values

    def update_meeting(self, meeting_id: str, fields: dict[str, Any]) -> None:
        if "extra" in fields:
            fields = {**fields, "extra": json.dumps(fields["extra"])}
        assignments = ", ".join(f"{name} = :{name}" for name in fields)
        with connect(self.path) as db:
            db.execute(f"UPDATE ms_meeting SET {assignments} WHERE id = :id", {**fields, "id": meeting_id})  # noqa: S608

    def delete_meeting(self, meeting_id: str) -> None:
        """Deleted meetings are kept (marked) so the sandbox can show what was removed."""
        with connect(self.path) as db:
            db.execute("UPDATE ms_meeting SET deleted = 1 WHERE id = ?", (meeting_id,))

    def meetings(self) -> list[dict[str, Any]]:
        with connect(self.path) as db:
            rows = db.execute("SELECT id FROM ms_meeting ORDER BY created_at, rowid").fetchall()
        return [meeting for row in rows if (meeting := self.meeting(row["id"]))]
