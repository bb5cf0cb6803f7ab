"""The tables (SQLModel). Every change here comes with an Alembic migration in ``backend/migrations``.

Times are aware UTC datetimes in Python and ``timestamp with time zone`` in PostgreSQL; SQLite keeps no
zone, so :class:`UTCDateTime` puts it back on the way out.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import JSON, Column, Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored as UTC; naive datetimes are refused rather than guessed."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware one is required")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class ProviderKind(StrEnum):
    """The video services the product can connect to."""

    ZOOM = "zoom"
    TEAMS = "teams"
    GOOGLE_MEET = "google_meet"
    WEBEX = "webex"
    JITSI = "jitsi"


class ConnectionState(StrEnum):
    PENDING = "pending"
    """Authorized at the provider, the company setting (e.g. Zoom's passcode) not saved yet."""
    ACTIVE = "active"
    BROKEN = "broken"
    """The grant no longer works (revoked, ``invalid_grant``, or its tokens no key decrypts): the owner must
    reconnect. ``broken_reason`` says which."""


class MeetingState(StrEnum):
    PENDING = "pending"
    """Being made at the provider (the row reserves its idempotency key)."""
    ACTIVE = "active"
    REMOVED = "removed"


class Tenant(SQLModel, table=True):
    """A SuperOffice customer (context), created when its administrator first signs in."""

    id: int | None = Field(default=None, primary_key=True)
    context_id: str = Field(max_length=64, unique=True)
    """SuperOffice's context identifier, e.g. ``Cust12345``."""
    company_name: str = Field(default="", max_length=255)
    webapi_url: str = Field(default="", max_length=512)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    invitation_mode: str = Field(default="mail_link", max_length=16)
    """``mail_link``: "Join meeting: {url}" goes into the appointment text; ``template``: the invitation template."""
    invitation_template: str | None = Field(default=None, sa_type=sa.Text)
    """The company's invitation text with variables such as ``{burl}``; None means the default template."""


class ProviderTokens(SQLModel):
    """A grant's tokens at the provider, encrypted at rest (never logged: hidden from ``repr``)."""

    access_token_encrypted: str | None = Field(default=None, sa_type=sa.Text, repr=False)
    refresh_token_encrypted: str | None = Field(default=None, sa_type=sa.Text, repr=False)
    token_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ProviderConnection(ProviderTokens, table=True):
    """The company's video provider: at most one per tenant."""

    __tablename__ = "provider_connection"

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenant.id", unique=True)
    provider: ProviderKind = Field(sa_type=sa.String(32))
    state: ConnectionState = Field(default=ConnectionState.PENDING, sa_type=sa.String(16))
    broken_reason: str = Field(default="", max_length=255)
    """Why it is BROKEN, in the administrator's words (empty otherwise)."""
    provider_user_id: str = Field(default="", max_length=255, index=True)
    """The installing administrator's user at the provider (their uninstall removes the company's setup)."""
    account_id: str = Field(default="", max_length=255)
    account_email: str = Field(default="", max_length=320)
    provider_settings: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    """The company setting asked for after connect (Zoom: meeting passcode; Teams: lobby; Meet: access)."""
    connected_by_associate_id: int = Field()
    connected_by_name: str = Field(default="", max_length=255)
    connected_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class UserConnection(ProviderTokens, table=True):
    """One CRM user's grant at the company's provider."""

    __tablename__ = "user_connection"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "associate_id", name="uq_user_connection_associate"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenant.id")
    associate_id: int = Field()
    provider: ProviderKind = Field(sa_type=sa.String(32))
    state: ConnectionState = Field(default=ConnectionState.ACTIVE, sa_type=sa.String(16))
    broken_reason: str = Field(default="", max_length=255)
    """Why it is BROKEN, in the administrator's words (empty otherwise)."""
    provider_user_id: str = Field(default="", max_length=255, index=True)
    provider_email: str = Field(default="", max_length=320)
    crm_name: str = Field(default="", max_length=255)
    """The user's name in SuperOffice, as it was when they connected (for the administrator's list)."""
    crm_email: str = Field(default="", max_length=320)
    refresh_lease_holder: str | None = Field(default=None, max_length=32)
    """Who is refreshing this grant at the provider right now (``services/tokens``): one refresh at a time."""
    refresh_lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """The refresh lease ends here even if its holder died on the way."""
    connected_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class UserAccess(SQLModel, table=True):
    """Which of a CRM user's bearer tokens (extension, web panel) still count: those of the current generation.

    Kept apart from the provider connection, whose row comes and goes: revoking bumps the generation, and a token
    of an older generation, or of a user without a row, is refused."""

    __tablename__ = "user_access"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "associate_id", name="uq_user_access_associate"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenant.id")
    associate_id: int = Field()
    generation: int = Field(default=1)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """When the tokens were last revoked (sign out everywhere, removed configuration, disconnect)."""


class WebSession(SQLModel, table=True):
    """A browser's signed-in session at our pages, kept server-side (the cookie holds only its random id), so that
    signing out ends it everywhere the cookie may have gone."""

    __tablename__ = "web_session"

    key: str = Field(primary_key=True, max_length=128)
    value: bytes = Field(sa_type=sa.LargeBinary)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)


class Meeting(SQLModel, table=True):
    """A video meeting made at the provider for a CRM appointment. Rows outlive connections (history)."""

    __table_args__ = (
        sa.Index("ix_meeting_tenant_associate", "tenant_id", "associate_id"),
        sa.Index("ix_meeting_tenant_appointment", "tenant_id", "appointment_id"),
        sa.Index("ix_meeting_provider_meeting", "provider", "provider_meeting_id"),
        sa.UniqueConstraint("tenant_id", "associate_id", "idempotency_key", name="uq_meeting_idempotency"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    tenant_id: int = Field(foreign_key="tenant.id")
    associate_id: int = Field()
    appointment_id: int | None = Field(default=None)
    """The CRM appointment; null until the appointment is saved."""
    provider: ProviderKind = Field(sa_type=sa.String(32))
    provider_meeting_id: str = Field(max_length=255)
    join_url: str = Field(max_length=2000)
    passcode: str = Field(default="", max_length=64)
    """The passcode participants may be asked for (Zoom: the company's; Teams: the meeting's own)."""
    topic: str = Field(default="", max_length=255)
    start_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    duration_minutes: int = Field(default=30, ge=1)
    timezone: str = Field(default="UTC", max_length=64)
    alarm_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    state: MeetingState = Field(default=MeetingState.ACTIVE, sa_type=sa.String(16))
    idempotency_key: str = Field(max_length=128)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class AuditEvent(SQLModel, table=True):
    """Who did what to whom, and when: connect, disconnect, remove user, deauthorized, passcode change."""

    __tablename__ = "audit_event"
    __table_args__ = (sa.Index("ix_audit_event_tenant_at", "tenant_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenant.id")
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    action: str = Field(max_length=64)
    actor_kind: str = Field(max_length=16)
    """``admin``, ``user``, ``provider`` or ``system``."""
    actor_associate_id: int | None = Field(default=None)
    subject_associate_id: int | None = Field(default=None)
    provider: ProviderKind | None = Field(default=None, sa_type=sa.String(32))
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class WebhookReceipt(SQLModel, table=True):
    """A provider notification already handled: the same signed delivery twice is refused as a replay."""

    __tablename__ = "webhook_receipt"
    __table_args__ = (sa.UniqueConstraint("provider", "digest", name="uq_webhook_receipt"),)

    id: int | None = Field(default=None, primary_key=True)
    provider: str = Field(sa_type=sa.String(32))
    """Who sent it: a provider kind, or ``superoffice``."""
    digest: str = Field(max_length=128)
    """Unique per delivery: a hash of the signature header, or the sender's event id."""
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)


class CrmGrant(ProviderTokens, table=True):
    """A CRM user's SuperOffice sign-in, kept (encrypted) so background work can read their appointments."""

    __tablename__ = "crm_grant"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "associate_id", name="uq_crm_grant_associate"),)

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenant.id")
    associate_id: int = Field()
    signed_in_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    """When the user last signed in (a refresh does not change it): a sign-in after the company's disconnect is kept
    for the work it was made for, when the disconnect's last removal job forgets the company's grants."""
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class CrmWebhookState(StrEnum):
    """Our side of the company's SuperOffice webhook; the last three are SuperOffice's own ``State`` values."""

    REGISTERING = "registering"
    FAILED = "failed"
    """SuperOffice refused the registration (``last_error`` says why); Repair tries again."""
    ACTIVE = "Active"
    STOPPED = "Stopped"
    TOO_MANY_ERRORS = "TooManyErrors"


class CrmWebhook(SQLModel, table=True):
    """The company's webhook at its SuperOffice (``activity.created|changed|deleted``), with a secret of its own."""

    __tablename__ = "crm_webhook"

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenant.id", unique=True)
    webhook_id: int | None = Field(default=None)
    """SuperOffice's ``WebhookId``, once registered."""
    secret_encrypted: str = Field(sa_type=sa.Text, repr=False)
    state: CrmWebhookState = Field(default=CrmWebhookState.REGISTERING, sa_type=sa.String(16))
    last_error: str = Field(default="", sa_type=sa.Text)
    registered_by_associate_id: int = Field()
    """The administrator as whom it is registered, checked and removed."""
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class CrmWebPanelState(StrEnum):
    SAVING = "saving"
    """A job is creating (or bringing back) the panel at SuperOffice."""
    SHOWN = "shown"
    OFF = "off"
    """Turned off by an administrator: taken out of the follow-up dialog at SuperOffice."""
    FAILED = "failed"
    """SuperOffice refused (``last_error`` says why); saving the setting again tries again."""


class CrmWebPanel(SQLModel, table=True):
    """The company's "Video meeting" web panel in SuperOffice's follow-up dialog (found there by its ProgId)."""

    __tablename__ = "crm_web_panel"

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: int = Field(foreign_key="tenant.id", unique=True)
    web_panel_id: int | None = Field(default=None)
    """SuperOffice's ``WebPanelId``, once saved."""
    enabled: bool = Field(default=True)
    """The administrator's choice: show the panel in the follow-up dialog."""
    state: CrmWebPanelState = Field(default=CrmWebPanelState.SAVING, sa_type=sa.String(16))
    last_error: str = Field(default="", sa_type=sa.Text)
    saved_by_associate_id: int = Field()
    """The administrator as whom it is saved and removed."""
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class JobState(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    """Given up after the last attempt (the failure is in the company's Activity)."""


class Job(SQLModel, table=True):
    """Work that must happen after a request (the outbox): written with the change that causes it, run by a worker."""

    __table_args__ = (
        sa.Index("ix_job_due", "state", "run_after"),
        # At most one running job per key, whichever worker or process claims it.
        sa.Index(
            "uq_job_running_key",
            "key",
            unique=True,
            sqlite_where=sa.text("state = 'running'"),
            postgresql_where=sa.text("state = 'running'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=64)
    key: str = Field(max_length=255, index=True)
    """Jobs with the same key run one at a time, and a second pending one is not added."""
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    tenant_id: int | None = Field(default=None, foreign_key="tenant.id")
    state: JobState = Field(default=JobState.PENDING, sa_type=sa.String(16))
    attempts: int = Field(default=0)
    run_after: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    """A running job whose worker died is taken again after this moment."""
    last_error: str = Field(default="", sa_type=sa.Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class InvitationDelivery(SQLModel, table=True):
    """What one participant was last sent about one meeting: a retried job never sends it twice."""

    __tablename__ = "invitation_delivery"
    __table_args__ = (sa.UniqueConstraint("meeting_id", "email", name="uq_invitation_delivery"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: uuid.UUID = Field(foreign_key="meeting.id", index=True)
    email: str = Field(max_length=320)
    method: str = Field(max_length=16)
    """``REQUEST`` (invited, or updated) or ``CANCEL``."""
    sequence: int = Field(default=0)
    """The calendar SEQUENCE that was sent: it rises with every change participants are told about."""
    fingerprint: str = Field(max_length=64)
    """A hash of what was sent (title, times, link): a change means an update is due."""
    sent_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
