"""What the Google emulator remembers: users, their consents, codes, grants and tokens, and Meet spaces.

One SQLite file (``google.sqlite3``) with a short-lived connection per call, and the RSA key that signs id tokens
and security event tokens.
"""

from __future__ import annotations

import secrets
import sqlite3
import string
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backend.sandbox.google.keys import load_or_create_key
from backend.sandbox.sqlite import connect

CODE_LIFETIME_SECONDS = 300
ACCESS_TOKEN_LIFETIME_SECONDS = 3599

_SCHEMA = """
CREATE TABLE IF NOT EXISTS google_user (
    sub TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS google_consent (
    client_id TEXT NOT NULL,
    sub TEXT NOT NULL,
    scope TEXT NOT NULL,
    PRIMARY KEY (client_id, sub)
);
CREATE TABLE IF NOT EXISTS google_code (
    code TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    sub TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    scope TEXT NOT NULL,
    nonce TEXT,
    code_challenge TEXT,
    code_challenge_method TEXT,
    with_refresh_token INTEGER NOT NULL,
    expires_at REAL NOT NULL,
    used INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS google_grant (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id TEXT NOT NULL,
    sub TEXT NOT NULL,
    scope TEXT NOT NULL,
    refresh_token TEXT UNIQUE,
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS google_access_token (
    token TEXT PRIMARY KEY,
    grant_id INTEGER NOT NULL REFERENCES google_grant (id),
    expires_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS google_space (
    id TEXT PRIMARY KEY,
    meeting_code TEXT NOT NULL UNIQUE,
    owner_sub TEXT NOT NULL,
    client_id TEXT NOT NULL,
    access_type TEXT NOT NULL,
    entry_point_access TEXT NOT NULL,
    conference TEXT,
    created_at REAL NOT NULL
);
"""


@dataclass(frozen=True)
class GoogleUser:
    sub: str
    email: str


@dataclass(frozen=True)
class Issued:
    """What one token answer hands out (``refresh_token`` is None when Google would give none)."""

    grant_id: int
    client_id: str
    sub: str
    scope: str
    access_token: str
    refresh_token: str | None


@dataclass(frozen=True)
class Bearer:
    """What an access token stands for, as the APIs check it."""

    client_id: str
    sub: str
    scope: frozenset[str]
    expires_at: float
    revoked: bool


def _letters(count: int) -> str:
    return "".join(secrets.choice(string.ascii_lowercase) for _ in range(count))


class GoogleStore:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.path = data_dir / "google.sqlite3"
        data_dir.mkdir(parents=True, exist_ok=True)
        with connect(self.path) as db:
            db.executescript(_SCHEMA)
        self.signing_key = load_or_create_key(data_dir / "google_signing_key.json")

    # Users: whoever types an e-mail address on the consent page is (or becomes) a Google account.

    def user_for_email(self, email: str) -> GoogleUser:
        email = email.strip().lower()
        with connect(self.path) as db:
            row = db.execute("SELECT * FROM google_user WHERE email = ?", (email,)).fetchone()
            if row is None:
                user = GoogleUser(str(10**20 + secrets.randbelow(9 * 10**20)), email)  # 21 digits, as Google's
                db.execute("INSERT INTO google_user VALUES (?, ?)", (user.sub, user.email))
                return user
        return GoogleUser(**dict(row))

    def user(self, sub: str) -> GoogleUser | None:
        with connect(self.path) as db:
            row = db.execute("SELECT * FROM google_user WHERE sub = ?", (sub,)).fetchone()
        return GoogleUser(**dict(row)) if row else None

    def known_user(self, email: str) -> GoogleUser | None:
        with connect(self.path) as db:
            row = db.execute("SELECT * FROM google_user WHERE email = ?", (email.strip().lower(),)).fetchone()
        return GoogleUser(**dict(row)) if row else None

    # Consent: which scopes a user granted a client (what "Third-party apps with account access" lists).

    def granted_scopes(self, client_id: str, sub: str) -> set[str]:
        with connect(self.path) as db:
            row = db.execute(
                "SELECT scope FROM google_consent WHERE client_id = ? AND sub = ?", (client_id, sub)
            ).fetchone()
        return set(row["scope"].split()) if row else set()

    def record_consent(self, client_id: str, sub: str, scopes: set[str]) -> None:
        granted = " ".join(sorted(self.granted_scopes(client_id, sub) | scopes))
        with connect(self.path) as db:
            db.execute(
                "INSERT INTO google_consent VALUES (?, ?, ?) ON CONFLICT (client_id, sub) DO UPDATE SET scope = ?",
                (client_id, sub, granted, granted),
            )

    # Codes

    def new_code(self, **fields: Any) -> str:
        """A single-use code; ``fields`` are the columns of ``google_code`` besides code, expiry and use."""
        code = "4/0" + secrets.token_urlsafe(54)
        row = {**fields, "code": code, "expires_at": time.time() + CODE_LIFETIME_SECONDS}
        columns = ", ".join(row)
        with connect(self.path) as db:
            db.execute(f"INSERT INTO google_code ({columns}) VALUES ({', '.join(':' + name for name in row)})", row)  # noqa: S608
        return code

    def redeem_code(self, code: str, client_id: str) -> sqlite3.Row | None:
        """The code's row, now used up; None if unknown, expired, used already or another client's."""
        with connect(self.path) as db:
            row = db.execute(
                "SELECT * FROM google_code WHERE code = ? AND client_id = ? AND used = 0 AND expires_at > ?",
                (code, client_id, time.time()),
            ).fetchone()
            db.execute("UPDATE google_code SET used = 1 WHERE code = ?", (code,))
        return row

    # Grants: one per code exchanged; its refresh token (if any) lives until revoked, its access tokens an hour.

    def open_grant(self, client_id: str, sub: str, scope: str, *, with_refresh_token: bool) -> Issued:
        refresh_token = "1//0" + secrets.token_urlsafe(72) if with_refresh_token else None
        with connect(self.path) as db:
            cursor = db.execute(
                "INSERT INTO google_grant (client_id, sub, scope, refresh_token) VALUES (?, ?, ?, ?)",
                (client_id, sub, scope, refresh_token),
            )
            grant_id = int(cursor.lastrowid or 0)
            access_token = self._new_access_token(db, grant_id)
        return Issued(grant_id, client_id, sub, scope, access_token, refresh_token)

    def refresh(self, refresh_token: str, client_id: str) -> Issued | None:
        """A new access token on a live grant; the refresh token stays as it is (Google does not rotate)."""
        with connect(self.path) as db:
            row = db.execute(
                "SELECT * FROM google_grant WHERE refresh_token = ? AND client_id = ? AND revoked = 0",
                (refresh_token, client_id),
            ).fetchone()
            if row is None:
                return None
            access_token = self._new_access_token(db, row["id"])
        return Issued(row["id"], client_id, row["sub"], row["scope"], access_token, None)

    @staticmethod
    def _new_access_token(db: sqlite3.Connection, grant_id: int) -> str:
        token = "ya29." + secrets.token_urlsafe(120)
        db.execute(
            "INSERT INTO google_access_token VALUES (?, ?, ?)",
            (token, grant_id, time.time() + ACCESS_TOKEN_LIFETIME_SECONDS),
        )
        return token

    def bearer(self, access_token: str) -> Bearer | None:
        with connect(self.path) as db:
            row = db.execute(
                "SELECT g.client_id, g.sub, g.scope, g.revoked, t.expires_at FROM google_access_token t"
                " JOIN google_grant g ON g.id = t.grant_id WHERE t.token = ?",
                (access_token,),
            ).fetchone()
        if row is None:
            return None
        scope = frozenset(row["scope"].split())
        return Bearer(row["client_id"], row["sub"], scope, row["expires_at"], bool(row["revoked"]))

    def grant_of_token(self, token: str) -> sqlite3.Row | None:
        """The grant behind a refresh or access token (revoked or not)."""
        with connect(self.path) as db:
            return db.execute(
                "SELECT g.* FROM google_grant g LEFT JOIN google_access_token t ON t.grant_id = g.id"
                " WHERE g.refresh_token = ? OR t.token = ? LIMIT 1",
                (token, token),
            ).fetchone()

    def revoke_grant(self, grant_id: int) -> None:
        with connect(self.path) as db:
            db.execute("UPDATE google_grant SET revoked = 1 WHERE id = ?", (grant_id,))

    def revoke_access(self, client_id: str, sub: str) -> int:
        """The user takes the client's access away: every grant dies and the consent is forgotten."""
        with connect(self.path) as db:
            db.execute("DELETE FROM google_consent WHERE client_id = ? AND sub = ?", (client_id, sub))
            cursor = db.execute(
                "UPDATE google_grant SET revoked = 1 WHERE client_id = ? AND sub = ? AND revoked = 0", (client_id, sub)
            )
        return cursor.rowcount

    def clients_of(self, sub: str) -> dict[str, set[str]]:
        """Every client the user consented to or still has a live grant with, and the scopes it holds."""
        with connect(self.path) as db:
            rows = db.execute(
                "SELECT client_id, scope FROM google_consent WHERE sub = ?"
                " UNION SELECT client_id, scope FROM google_grant WHERE sub = ? AND revoked = 0",
                (sub, sub),
            ).fetchall()
        clients: dict[str, set[str]] = {}
        for row in rows:
            clients.setdefault(row["client_id"], set()).update(row["scope"].split())
        return clients

    def expire_access_tokens(self, sub: str) -> int:
        with connect(self.path) as db:
            cursor = db.execute(
                "UPDATE google_access_token SET expires_at = ? WHERE expires_at > ?"
                " AND grant_id IN (SELECT id FROM google_grant WHERE sub = ?)",
                (time.time() - 1, time.time(), sub),
            )
        return cursor.rowcount

    # Meet spaces

    def add_space(self, owner_sub: str, client_id: str, access_type: str, entry_point_access: str) -> dict[str, Any]:
        space_id = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(12))
        meeting_code = f"{_letters(3)}-{_letters(4)}-{_letters(3)}"
        with connect(self.path) as db:
            db.execute(
                "INSERT INTO google_space VALUES (?, ?, ?, ?, ?, ?, NULL, ?)",
                (space_id, meeting_code, owner_sub, client_id, access_type, entry_point_access, time.time()),
            )
        return self.space(space_id) or {}

    def space(self, space_id: str) -> dict[str, Any] | None:
        """A space by its id (case sensitive) or its meeting code (not case sensitive)."""
        with connect(self.path) as db:
            row = db.execute(
                "SELECT s.*, u.email AS owner_email FROM google_space s JOIN google_user u ON u.sub = s.owner_sub"
                " WHERE s.id = ? OR s.meeting_code = ?",
                (space_id, space_id.lower()),
            ).fetchone()
        return dict(row) if row else None

    def update_space(self, space_id: str, *, access_type: str, entry_point_access: str) -> None:
        with connect(self.path) as db:
            db.execute(
                "UPDATE google_space SET access_type = ?, entry_point_access = ? WHERE id = ?",
                (access_type, entry_point_access, space_id),
            )

    def start_conference(self, space_id: str) -> str:
        """Someone joins: a conference starts unless one is running already. Returns its record's name."""
        with connect(self.path) as db:
            db.execute(
                "UPDATE google_space SET conference = ? WHERE id = ? AND conference IS NULL",
                (f"conferenceRecords/{secrets.token_hex(12)}", space_id),
            )
            row = db.execute("SELECT conference FROM google_space WHERE id = ?", (space_id,)).fetchone()
        return row["conference"] if row else ""

    def end_conference(self, space_id: str) -> bool:
        with connect(self.path) as db:
            cursor = db.execute(
                "UPDATE google_space SET conference = NULL WHERE id = ? AND conference IS NOT NULL", (space_id,)
            )
        return cursor.rowcount == 1

    def spaces(self) -> list[dict[str, Any]]:
        with connect(self.path) as db:
            rows = db.execute(
                "SELECT s.*, u.email AS owner_email FROM google_space s JOIN google_user u ON u.sub = s.owner_sub"
                " ORDER BY s.created_at, s.id"
            ).fetchall()
        return [dict(row) for row in rows]
