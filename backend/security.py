"""Keys derived from the instance secret, tokens encrypted at rest, and signed tokens we hand out."""

from __future__ import annotations

import base64
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from itsdangerous import BadSignature, URLSafeTimedSerializer

from backend.settings import Settings


def derive_key(secret: str, purpose: str, length: int = 32) -> bytes:
    """A key for one purpose (sessions, CSRF, ...) from the instance secret, so one leak is not all leaks."""
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=purpose.encode()).derive(secret.encode())


class TokenCipher:
    """Encrypts provider tokens for the database (Fernet). Several keys: the first encrypts, all decrypt.

    Rotation: put a new key first (``MEETINGS_TOKEN_KEYS=new,old``), restart, run ``meetings tokens reencrypt``,
    then drop the old key.
    """

    def __init__(self, keys: Sequence[bytes]) -> None:
        if not keys:
            raise ValueError("at least one token key is needed")
        self._fernet = MultiFernet([Fernet(key) for key in keys])

    def __repr__(self) -> str:
        return "TokenCipher(...)"

    @classmethod
    def for_settings(cls, settings: Settings) -> TokenCipher:
        """The configured keys, or one derived from the secret key."""
        keys = settings.token_key_list or [base64.urlsafe_b64encode(derive_key(settings.secret, "provider tokens"))]
        return cls(keys)

    def encrypt(self, token: str | None) -> str | None:
        return None if token is None else self._fernet.encrypt(token.encode()).decode()

    def decrypt(self, stored: str | None) -> str | None:
        """The token, or None when there is none; raises InvalidToken when no key fits."""
        return None if stored is None else self._fernet.decrypt(stored.encode()).decode()

    def reencrypt(self, stored: str | None) -> str | None:
        """The same token under the first key."""
        return None if stored is None else self._fernet.rotate(stored.encode()).decode()


@dataclass(frozen=True)
class UserIdentity:
    """Whom a bearer token speaks for (the extension's, the web panel's): one CRM user of one tenant."""

    tenant_id: int
    associate_id: int
    context_id: str
    company_name: str
    version: int = 1
    """The user's token generation it was issued under (``services/user_access``): revoked when it is not current."""
    issued_at: datetime | None = None


class IdentityTokens:
    """Signed, expiring bearer tokens that carry a UserIdentity (itsdangerous); nothing to store server-side.
    Each purpose has its own key, so a token made for one purpose is refused by the others."""

    def __init__(
        self, secret: str, *, purpose: str, salt: str, lifetime: timedelta, renew_after: timedelta | None = None
    ) -> None:
        self._serializer = URLSafeTimedSerializer(derive_key(secret, purpose).hex(), salt=salt)
        self.lifetime = lifetime
        self.renew_after = renew_after
        """A token older than this gets a fresh one beside the answer (None: never renewed)."""

    def __repr__(self) -> str:
        return "IdentityTokens(...)"

    def issue(self, identity: UserIdentity, **extra: str) -> str:
        return self._serializer.dumps(
            {
                "t": identity.tenant_id,
                "a": identity.associate_id,
                "c": identity.context_id,
                "n": identity.company_name,
                "v": identity.version,
                **extra,
            }
        )

    def read(self, token: str, **expected: str) -> UserIdentity | None:
        """The identity, or None for a forged, damaged or expired token, or one whose ``expected`` extras differ."""
        try:
            data, issued = self._serializer.loads(
                token, max_age=int(self.lifetime.total_seconds()), return_timestamp=True
            )
            if any(not hmac.compare_digest(str(data.get(name, "")), value) for name, value in expected.items()):
                return None
            return UserIdentity(
                int(data["t"]), int(data["a"]), str(data["c"]), str(data["n"]), int(data["v"]), issued_at=issued
            )
        except (BadSignature, KeyError, TypeError, ValueError, AttributeError):
            return None

    def renewal(self, identity: UserIdentity, now: datetime) -> str | None:
        """A fresh token for ``identity`` when its token is old enough to renew; else None."""
        if self.renew_after is None or identity.issued_at is None or now - identity.issued_at < self.renew_after:
            return None
        return self.issue(identity)


def extension_tokens(secret: str) -> IdentityTokens:
    """The browser extension's bearer tokens: a week, renewed daily while the extension is in use (it calls the
    service every few minutes while the browser runs), so only a browser unused for a week must sign in again."""
    return IdentityTokens(
        secret, purpose="extension tokens", salt="extension", lifetime=timedelta(days=7), renew_after=timedelta(days=1)
    )


def panel_sessions(secret: str) -> IdentityTokens:
    """The web panel's session in SuperOffice's frame: a working day, kept in the frame's own storage."""
    return IdentityTokens(secret, purpose="panel sessions", salt="panel", lifetime=timedelta(hours=8))


def panel_sign_in_codes(secret: str) -> IdentityTokens:
    """The one-minute code the sign-in window hands the panel, redeemed with the panel's own verifier."""
    return IdentityTokens(secret, purpose="panel sign-in codes", salt="panel-code", lifetime=timedelta(minutes=1))


__all__ = ["IdentityTokens", "InvalidToken", "TokenCipher", "UserIdentity", "derive_key"]
