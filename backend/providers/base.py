"""The one protocol every video provider speaks, and the one error type the providers raise.

Services and controllers know providers only through :class:`VideoProvider`: what a meeting needs (a topic, a start,
a length), never a provider's field names. Where providers differ (Zoom PATCHes a meeting, Google Meet has no time on
a space, Teams rotates refresh tokens but keeps the old one alive), the adapter hides it behind these methods.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable
from urllib.parse import urlsplit

from backend.models import ProviderKind


@dataclass(frozen=True, repr=False)
class Grant:
    """Tokens from a provider's token endpoint."""

    access_token: str
    refresh_token: str | None
    expires_at: datetime
    scope: str = ""

    def __repr__(self) -> str:  # tokens never reach a log line
        return f"Grant(expires_at={self.expires_at.isoformat()}, scope={self.scope!r})"


@dataclass(frozen=True)
class ProviderAccount:
    """Who authorized us at the provider."""

    id: str
    email: str
    display_name: str = ""
    account_id: str = ""
    """The provider's organisation/account (Zoom: account_id), when it has one."""


@dataclass(frozen=True)
class MeetingDetails:
    """What the CRM appointment asks of a meeting."""

    topic: str
    start: datetime
    duration_minutes: int
    timezone: str = "UTC"
    agenda: str = ""


def is_web_address(url: str) -> bool:
    """Whether ``url`` is an http(s) address with a host: what we store, show and open as a meeting link (never a
    ``javascript:``, ``data:`` or ``file:`` link, whatever a provider answered)."""
    parts = urlsplit(url)
    return parts.scheme in ("https", "http") and bool(parts.hostname)


@dataclass(frozen=True)
class ProviderMeeting:
    """A meeting as the provider answered. The host's start link is not kept (Zoom's carries a host token):
    ``host_url`` asks for a fresh one."""

    id: str
    join_url: str
    passcode: str = ""

    def __post_init__(self) -> None:
        if not is_web_address(self.join_url):
            # Checked where the provider's answer enters: a meeting made with such a link is not stored or shown.
            raise ProviderError(ErrorKind.UNAVAILABLE, "The video service answered with a meeting link that is not "
                                "a web address, so nothing was added. Try again later.")  # fmt: skip


@dataclass(frozen=True)
class CompanySetting:
    """The one company setting a provider asks for after connecting (Zoom: the meeting passcode)."""

    name: str
    label: str
    help: str
    can_generate: bool = False
    choices: tuple[tuple[str, str], ...] = ()
    """(value, label) when the setting is a choice (Teams: who bypasses the lobby); empty for free text."""


@dataclass(frozen=True)
class WebhookChallenge:
    """The provider checks that the endpoint is ours: answer with ``body``."""

    body: dict[str, Any]


RISC_TOKEN_ALGS = ("prefix", "hash_base64_sha512_sha512")


def risc_token_identifier(alg: str, token: str) -> str | None:
    """How a RISC ``token-revoked`` event names a refresh token (developers.google.com/identity/protocols/risc, "OAuth
    token identifiers"): ``prefix`` is its first 16 characters, ``hash_base64_sha512_sha512`` the base64 of SHA-512
    applied twice. None for an algorithm Google does not list."""
    if alg == "prefix":
        return token[:16]
    if alg == "hash_base64_sha512_sha512":
        twice = hashlib.sha512(hashlib.sha512(token.encode()).digest()).digest()
        return base64.b64encode(twice).decode()
    return None


@dataclass(frozen=True)
class RevokedToken:
    """One refresh token named by a RISC event: the algorithm and the identifier it gives (never the token)."""

    alg: str
    identifier: str

    def names(self, token: str) -> bool:
        """Whether ``token`` is the one named (base64 compared without padding and in either alphabet)."""
        ours = risc_token_identifier(self.alg, token)
        if ours is None or not self.identifier:
            return False
        if self.alg == "prefix":
            return len(self.identifier) == 16 and hmac.compare_digest(ours, self.identifier)
        return hmac.compare_digest(_b64_plain(ours), _b64_plain(self.identifier))


def _b64_plain(text: str) -> str:
    return text.strip().rstrip("=").replace("-", "+").replace("_", "/")


@dataclass(frozen=True)
class ProviderDeauthorized:
    """A person removed our app at the provider: their data must go. Named by their user id at the provider, by the
    e-mail address of their account (a RISC ``id_token_claims`` subject without ``sub``), or by one refresh token (a
    RISC ``token-revoked`` event)."""

    user_id: str = ""
    account_id: str = ""
    email: str = ""
    token: RevokedToken | None = None


@dataclass(frozen=True)
class OtherEvent:
    """A notification we do not act on."""

    name: str


ProviderEvent = WebhookChallenge | ProviderDeauthorized | OtherEvent


class WebhookRejected(Exception):
    """A notification that is not provably from the provider, or too old: nothing is done with it.

    ``code`` names the reason in RFC 8935's words (``invalid_request``, ``invalid_key``, ``invalid_issuer``,
    ``invalid_audience``, ``authentication_failed``), for providers whose receivers answer with them."""

    def __init__(self, message: str, code: str = "authentication_failed") -> None:
        super().__init__(message)
        self.code = code


class ErrorKind(StrEnum):
    RATE_LIMITED = "rate_limited"
    UNAVAILABLE = "unavailable"
    GRANT_REVOKED = "grant_revoked"
    """The grant is dead (revoked, expired refresh token): the owner must connect again."""
    UNAUTHORIZED = "unauthorized"
    """The access token was refused; a refresh may help."""
    FORBIDDEN = "forbidden"
    """The provider does not let this account do it (a missing licence or permission, another account's meeting)."""
    NOT_FOUND = "not_found"
    IN_PROGRESS = "in_progress"
    """The meeting is running now, and the provider does not change a running meeting: try again once it ended."""
    REJECTED = "rejected"
    """The provider refused what we sent (validation)."""


@dataclass
class ProviderError(Exception):
    """A provider call failed. ``message`` is for the user: what happened and what to do."""

    kind: ErrorKind
    message: str
    retry_after_seconds: float | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message


@runtime_checkable
class VideoProvider(Protocol):
    kind: ProviderKind
    name: str
    company_setting: CompanySetting
    schedule_at_provider: bool
    """Whether the provider keeps a meeting's time and title (Zoom, Teams), so a move or rename is made there too. A
    Google Meet space has neither: moving its meeting asks nothing of Google, not even a fresh access token."""
    webhook_ack_status: int
    """The HTTP status that acknowledges a notification (Zoom: 200; RISC security events: 202)."""
    webhook_max_age: timedelta
    """How old a notification ``read_webhook`` still accepts: its receipt must be kept at least as long, or a
    replay after the receipt was dropped would be acted on again."""

    def authorization_url(self, *, redirect_uri: str, state: str, code_verifier: str) -> str:
        """Where to send the person to authorize us (authorization code flow with PKCE S256)."""
        ...

    async def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str) -> Grant: ...

    async def refresh(self, refresh_token: str) -> Grant:
        """New tokens. Raises ProviderError(GRANT_REVOKED) when the grant is gone."""
        ...

    async def revoke(self, token: str) -> None:
        """End the grant at the provider, where the provider can (best effort)."""
        ...

    async def who_am_i(self, access_token: str) -> ProviderAccount: ...

    def validate_company_setting(self, value: str) -> str:
        """The value to store, or ValueError with a message for the administrator."""
        ...

    def generate_company_setting(self) -> str:
        """A good random value, where the provider's setting can be generated."""
        ...

    async def create_meeting(
        self, access_token: str, details: MeetingDetails, company: Mapping[str, Any]
    ) -> ProviderMeeting: ...

    async def update_meeting(
        self, access_token: str, meeting_id: str, details: MeetingDetails, company: Mapping[str, Any]
    ) -> ProviderMeeting | None:
        """Move or rename the meeting in place; the new links when they changed, else None."""
        ...

    async def delete_meeting(self, access_token: str, meeting_id: str) -> None:
        """Remove the meeting; one that is already gone counts as removed."""
        ...

    async def host_url(self, access_token: str, meeting_id: str) -> str:
        """A fresh link for the host to start the meeting (never a stored one)."""
        ...

    async def read_webhook(self, headers: Mapping[str, str], body: bytes, now: datetime) -> tuple[ProviderEvent, str]:
        """The verified event and a digest unique to this delivery (for replay checks); WebhookRejected if forged
        or stale. (Async: verifying may need the provider's current signing keys.)"""
        ...

    def webhook_refusal(self, error: WebhookRejected) -> tuple[int, dict[str, Any]]:
        """The status and JSON body that refuse a notification, as the provider expects them."""
        ...
