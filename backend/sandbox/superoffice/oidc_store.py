"""What the emulated SuperOffice sign-in remembers: registered clients, its signing key, codes and tokens.

Codes and tokens live in SQLite beside the appointments, so a restart of the sandbox does not sign anybody out.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from authlib.oauth2.rfc6749 import ClientMixin, TokenMixin
from authlib.oidc.core import AuthorizationCodeMixin

from backend.sandbox.sqlite import connect
from backend.sandbox.superoffice import signing_keys
from backend.sandbox.superoffice.demo_world import DemoAssociate, find_associate

CODE_LIFETIME_SECONDS = 600  # SuperOffice: codes expire after 10 minutes
ACCESS_TOKEN_LIFETIME_SECONDS = 3600

_SCHEMA = """
CREATE TABLE IF NOT EXISTS oauth_code (
    code TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    scope TEXT NOT NULL,
    nonce TEXT,
    code_challenge TEXT,
    code_challenge_method TEXT,
    context_id TEXT NOT NULL,
    associate_id INTEGER NOT NULL,
    auth_time INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS oauth_token (
    access_token TEXT PRIMARY KEY,
    refresh_token TEXT UNIQUE,
    client_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    context_id TEXT NOT NULL,
    associate_id INTEGER NOT NULL,
    issued_at INTEGER NOT NULL,
    expires_in INTEGER NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
);
"""


@dataclass(frozen=True)
class OAuthClient(ClientMixin):
    """An application registered with the emulated SuperOffice (the meetings backend, or a test's client)."""

    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope: str) -> str:
        return " ".join(part for part in (scope or "").split() if part == "openid")

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(self.client_secret.encode(), (client_secret or "").encode())

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return endpoint != "token" or method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in ("authorization_code", "refresh_token")


@dataclass(frozen=True)
class AuthorizationCode(AuthorizationCodeMixin):
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    context_id: str
    associate_id: int
    auth_time: int
    expires_at: int

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> str | None:
        return None

    def get_amr(self) -> list[str] | None:
        return None


@dataclass(frozen=True)
class IssuedToken(TokenMixin):
    access_token: str
    refresh_token: str | None
    client_id: str
    scope: str
    context_id: str
    associate_id: int
    issued_at: int
    expires_in: int
    revoked: bool

    def check_client(self, client: ClientMixin) -> bool:
        return client.get_client_id() == self.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return self.expires_in

    def is_expired(self) -> bool:
        return time.time() >= self.issued_at + self.expires_in

    def is_revoked(self) -> bool:
        return self.revoked

    def get_user(self) -> DemoAssociate | None:
        return find_associate(self.context_id, self.associate_id)

    def get_client(self) -> Any:
        return None


class OidcStore:
    """Clients are given at start-up; the signing key is made once and kept; codes and tokens in SQLite."""

    def __init__(self, data_dir: Path, clients: tuple[OAuthClient, ...]) -> None:
        self.path = data_dir / "superoffice.sqlite3"
        self.clients = {client.client_id: client for client in clients}
        self.signing = signing_keys.load_or_create(data_dir / "superoffice_signing.json", "SuperOfficeFederatedLogin")
        self.next_signing = signing_keys.load_or_create(data_dir / "superoffice_next_signing.json", "SuperOfficeNext")
        data_dir.mkdir(parents=True, exist_ok=True)
        with connect(self.path) as db:
            db.executescript(_SCHEMA)

    @property
    def jwks(self) -> dict[str, Any]:
        """The certificate that signs now and the next one, as published during a rotation."""
        return signing_keys.jwks(self.next_signing, self.signing)

    def save_code(self, code: AuthorizationCode) -> None:
        with connect(self.path) as db:
            db.execute(
                "INSERT INTO oauth_code (code, client_id, redirect_uri, scope, nonce, code_challenge,"
                " code_challenge_method, context_id, associate_id, auth_time, expires_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    code.code,
                    code.client_id,
                    code.redirect_uri,
                    code.scope,
                    code.nonce,
                    code.code_challenge,
                    code.code_challenge_method,
                    code.context_id,
                    code.associate_id,
                    code.auth_time,
                    code.expires_at,
                ),
            )

    def unused_code(self, code: str, client_id: str) -> AuthorizationCode | None:
        """The code if it was issued to this client, is unexpired and was never redeemed."""
        with connect(self.path) as db:
            row = db.execute(
                "SELECT * FROM oauth_code WHERE code = ? AND client_id = ? AND used = 0 AND expires_at > ?",
                (code, client_id, int(time.time())),
            ).fetchone()
        if row is None:
            return None
        values = dict(row)
        del values["used"]
        return AuthorizationCode(**values)

    def mark_code_used(self, code: str) -> None:
        with connect(self.path) as db:
            db.execute("UPDATE oauth_code SET used = 1 WHERE code = ?", (code,))

    def nonce_was_used(self, client_id: str, nonce: str) -> bool:
        with connect(self.path) as db:
            row = db.execute(
                "SELECT 1 FROM oauth_code WHERE client_id = ? AND nonce = ?", (client_id, nonce)
            ).fetchone()
        return row is not None

    def save_token(self, token: dict[str, Any], client_id: str, associate: DemoAssociate) -> None:
        with connect(self.path) as db:
            db.execute(
                "INSERT INTO oauth_token (access_token, refresh_token, client_id, scope, context_id, associate_id,"
                " issued_at, expires_in) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    token["access_token"],
                    token.get("refresh_token"),
                    client_id,
                    token.get("scope", ""),
                    associate.context_id,
                    associate.associate_id,
                    int(time.time()),
                    int(token["expires_in"]),
                ),
            )

    def _token(self, column: str, value: str) -> IssuedToken | None:
        assert column in ("access_token", "refresh_token")
        with connect(self.path) as db:
            row = db.execute(f"SELECT * FROM oauth_token WHERE {column} = ?", (value,)).fetchone()  # noqa: S608
        if row is None:
            return None
        values = dict(row)
        values["revoked"] = bool(values["revoked"])
        return IssuedToken(**values)

    def by_refresh_token(self, refresh_token: str) -> IssuedToken | None:
        token = self._token("refresh_token", refresh_token)
        return None if token is None or token.revoked else token

    def by_access_token(self, access_token: str) -> IssuedToken | None:
        token = self._token("access_token", access_token)
        return None if token is None or token.revoked or token.is_expired() else token

    def revoke(self, token: IssuedToken) -> None:
        with connect(self.path) as db:
            db.execute("UPDATE oauth_token SET revoked = 1 WHERE access_token = ?", (token.access_token,))
