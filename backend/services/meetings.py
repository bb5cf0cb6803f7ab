"""Video meetings for CRM appointments: create (once per idempotency key), move or rename in place, remove.

Every function works for one user (tenant + associate) and touches only that user's rows. The provider is the
company's; the grant is the user's own. Nothing half-done is left behind: a failed create leaves no row, and a row
is changed only after the provider agreed.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.models import ConnectionState, Meeting, MeetingState, ProviderKind, UserConnection, utcnow
from backend.providers.base import ErrorKind, MeetingDetails, ProviderError, VideoProvider
from backend.providers.catalogue import display_name
from backend.security import TokenCipher, UserIdentity
from backend.services import tokens
from backend.services.connections import active_company_provider, active_company_provider_and_user, user_connection
from backend.services.crm_writeback import writeback_due
from backend.services.invitation_mail import invitations_due
from backend.services.tokens import ReconnectNeeded, reconnect_message

T = TypeVar("T")
UPCOMING_WINDOW = timedelta(days=7)
PENDING_WAIT_SECONDS = 15.0
LAST_USE_PRECISION = timedelta(minutes=1)


class MeetingNotFound(Exception):
    """No such meeting for this user (another user's meeting is not found either)."""


@dataclass(frozen=True)
class NewMeeting:
    topic: str
    start: datetime
    duration_minutes: int
    timezone: str
    idempotency_key: str
    appointment_id: int | None = None
    alarm_minutes_before: int | None = None
    agenda: str = ""


@dataclass(frozen=True)
class MeetingChange:
    """Only the fields given change; ``alarm_minutes_before`` None with ``clear_alarm`` turns the alarm off."""

    topic: str | None = None
    start: datetime | None = None
    duration_minutes: int | None = None
    timezone: str | None = None
    appointment_id: int | None = None
    alarm_minutes_before: int | None = None
    clear_alarm: bool = False


@dataclass(frozen=True)
class Collaborators:
    """What the meeting use cases need besides the request's own database session."""

    sessions: async_sessionmaker[AsyncSession]
    adapters: dict[ProviderKind, VideoProvider]
    cipher: TokenCipher
    clock: Callable[[], datetime] = utcnow


async def create_meeting(db: AsyncSession, who: UserIdentity, new: NewMeeting, deps: Collaborators) -> Meeting:
    """Make the meeting at the company's provider with the user's grant; the same key twice gives one meeting."""
    existing = await _by_key(db, who, new.idempotency_key)
    if existing is not None:
        return await _settled(db, who, new.idempotency_key, existing)
    company, own = await active_company_provider_and_user(db, who.tenant_id, who.associate_id, who.company_name)
    adapter = _adapter(deps, company.provider)
    connection = _usable(own, adapter)

    reserved = Meeting(
        tenant_id=who.tenant_id,
        associate_id=who.associate_id,
        appointment_id=new.appointment_id,
        provider=adapter.kind,
        provider_meeting_id="",
        join_url="",
        topic=new.topic[:255],
        start_at=new.start,
        duration_minutes=new.duration_minutes,
        timezone=new.timezone,
        alarm_at=_alarm(new.start, new.alarm_minutes_before),
        state=MeetingState.PENDING,
        idempotency_key=new.idempotency_key,
    )
    db.add(reserved)
    try:
        await db.commit()
    except IntegrityError:  # the same key at the same moment (a double click): that request makes the meeting
        await db.rollback()
        other = await _by_key(db, who, new.idempotency_key)
        assert other is not None
        return await _settled(db, who, new.idempotency_key, other)

    details = MeetingDetails(new.topic, new.start, new.duration_minutes, new.timezone, new.agenda)
    try:
        made = await _with_token(
            deps, connection, adapter, lambda token: adapter.create_meeting(token, details, company.provider_settings)
        )
    except BaseException:
        await db.delete(reserved)  # nothing was made: the key is free for the retry
        await db.commit()
        raise
    reserved.provider_meeting_id = made.id
    reserved.join_url = made.join_url
    reserved.passcode = made.passcode
    reserved.state = MeetingState.ACTIVE
    reserved.updated_at = deps.clock()
    db.add(reserved)
    _touch(db, connection, deps.clock())
    await db.commit()
    return reserved


async def change_meeting(
    db: AsyncSession, who: UserIdentity, meeting_id: uuid.UUID, change: MeetingChange, deps: Collaborators
) -> Meeting:
    """Move, rename or re-time the meeting at the provider in place (its link stays), then store the change."""
    meeting = await _own(db, who, meeting_id)
    schedule_changed = any(
        value is not None and value != current
        for value, current in [
            (change.topic, meeting.topic),
            (change.start, meeting.start_at),
            (change.duration_minutes, meeting.duration_minutes),
            (change.timezone, meeting.timezone),
        ]
    )
    topic = change.topic if change.topic is not None else meeting.topic
    start = change.start or meeting.start_at
    duration = change.duration_minutes or meeting.duration_minutes
    timezone = change.timezone or meeting.timezone
    # Everything of ours is worked out before the provider is asked: nothing may fail after it agreed.
    alarm_at = _alarm_after(change, meeting, start)
    adapter = _adapter(deps, meeting.provider) if schedule_changed else None
    if adapter is not None and adapter.schedule_at_provider:
        company = await active_company_provider(db, who.tenant_id, who.company_name)
        connection = await _connection(db, who, adapter)
        details = MeetingDetails(topic, start, duration, timezone)
        moved = await _with_token(
            deps,
            connection,
            adapter,
            lambda token: adapter.update_meeting(
                token, meeting.provider_meeting_id, details, company.provider_settings
            ),
        )
        if moved is not None:  # the provider gave the meeting new links
            meeting.join_url = moved.join_url
            meeting.passcode = moved.passcode or meeting.passcode
        _touch(db, connection, deps.clock())
    meeting.alarm_at = alarm_at
    meeting.topic, meeting.start_at, meeting.duration_minutes, meeting.timezone = topic[:255], start, duration, timezone
    if change.appointment_id is not None:
        meeting.appointment_id = change.appointment_id
    meeting.updated_at = deps.clock()
    db.add(meeting)
    await db.commit()
    return meeting


def _alarm_after(change: MeetingChange, meeting: Meeting, start: datetime) -> datetime | None:
    if change.clear_alarm:
        return None
    if change.alarm_minutes_before is not None:
        return _alarm(start, change.alarm_minutes_before)
    if meeting.alarm_at is not None and change.start is not None:
        return meeting.alarm_at + (start - meeting.start_at)  # the alarm moves with the meeting
    return meeting.alarm_at


async def remove_meeting(db: AsyncSession, who: UserIdentity, meeting_id: uuid.UUID, deps: Collaborators) -> None:
    """Delete the meeting at the provider (already gone counts as deleted); the row stays as history."""
    meeting = await _own(db, who, meeting_id)
    adapter = _adapter(deps, meeting.provider)
    connection = await _connection(db, who, adapter)
    await _with_token(
        deps, connection, adapter, lambda token: adapter.delete_meeting(token, meeting.provider_meeting_id)
    )
    meeting.state = MeetingState.REMOVED
    meeting.updated_at = deps.clock()
    db.add(meeting)
    if meeting.appointment_id is not None:
        await invitations_due(db, meeting)  # whoever was invited is told that the meeting is cancelled
        await writeback_due(db, meeting)  # and the appointment forgets the link
    await db.commit()


async def host_link(db: AsyncSession, who: UserIdentity, meeting_id: uuid.UUID, deps: Collaborators) -> str:
    """A fresh link for the host to start the meeting (a stored one may carry an expired host token)."""
    meeting = await _own(db, who, meeting_id)
    adapter = _adapter(deps, meeting.provider)
    connection = await _connection(db, who, adapter)
    return await _with_token(
        deps, connection, adapter, lambda token: adapter.host_url(token, meeting.provider_meeting_id)
    )


async def meetings_for_appointments(db: AsyncSession, who: UserIdentity, appointment_ids: list[int]) -> list[Meeting]:
    statement = _mine(who).where(col(Meeting.appointment_id).in_(appointment_ids)).order_by(col(Meeting.created_at))
    return list((await db.exec(statement)).all())


async def meetings_on_appointment(db: AsyncSession, tenant_id: int, appointment_id: int) -> list[Meeting]:
    """Every active meeting of one appointment (whoever made it), oldest first."""
    statement = select(Meeting).where(
        Meeting.tenant_id == tenant_id,
        Meeting.appointment_id == appointment_id,
        Meeting.state == MeetingState.ACTIVE,
    )
    return list((await db.exec(statement.order_by(col(Meeting.created_at)))).all())


async def upcoming_meetings(db: AsyncSession, who: UserIdentity, now: datetime) -> list[Meeting]:
    """The user's meetings with an alarm still to come (for the extension's notifications)."""
    statement = (
        _mine(who)
        .where(col(Meeting.alarm_at).is_not(None), col(Meeting.alarm_at) >= now - timedelta(minutes=5))
        .where(col(Meeting.start_at) <= now + UPCOMING_WINDOW)
        .order_by(col(Meeting.alarm_at))
    )
    return list((await db.exec(statement)).all())


async def own_meeting(db: AsyncSession, who: UserIdentity, meeting_id: uuid.UUID) -> Meeting:
    return await _own(db, who, meeting_id)


# Helpers


def _mine(who: UserIdentity):
    return select(Meeting).where(
        Meeting.tenant_id == who.tenant_id,
        Meeting.associate_id == who.associate_id,
        Meeting.state == MeetingState.ACTIVE,
    )


async def _own(db: AsyncSession, who: UserIdentity, meeting_id: uuid.UUID) -> Meeting:
    meeting = (await db.exec(_mine(who).where(Meeting.id == meeting_id))).first()
    if meeting is None:
        raise MeetingNotFound
    return meeting


async def _by_key(db: AsyncSession, who: UserIdentity, key: str) -> Meeting | None:
    statement = select(Meeting).where(
        Meeting.tenant_id == who.tenant_id, Meeting.associate_id == who.associate_id, Meeting.idempotency_key == key
    )
    return (await db.exec(statement.execution_options(populate_existing=True))).first()


async def _settled(db: AsyncSession, who: UserIdentity, key: str, meeting: Meeting) -> Meeting:
    """The meeting once the request that reserved it has finished (a double click waits for the first)."""
    waited = 0.0
    while meeting.state == MeetingState.PENDING and waited < PENDING_WAIT_SECONDS:
        await asyncio.sleep(0.1)
        waited += 0.1
        await db.rollback()  # end the read transaction: see what the other request committed
        again = await _by_key(db, who, key)
        if again is None:
            raise ProviderError(ErrorKind.UNAVAILABLE, "The meeting could not be made. Try again.")
        meeting = again
    if meeting.state == MeetingState.PENDING:
        raise ProviderError(ErrorKind.UNAVAILABLE, "The meeting is still being made. Try again in a moment.")
    return meeting


def _adapter(deps: Collaborators, provider: str) -> VideoProvider:
    adapter = deps.adapters.get(ProviderKind(provider))
    if adapter is None:
        raise ProviderError(ErrorKind.UNAVAILABLE, f"{display_name(provider)} is not available on this server.")
    return adapter


async def _connection(db: AsyncSession, who: UserIdentity, adapter: VideoProvider) -> UserConnection:
    return _usable(await user_connection(db, who.tenant_id, who.associate_id), adapter)


def _usable(connection: UserConnection | None, adapter: VideoProvider) -> UserConnection:
    """The user's connection to ``adapter``'s provider; ReconnectNeeded when there is none or it broke."""
    if connection is None or connection.provider != adapter.kind:
        raise ReconnectNeeded(f"Connect your {adapter.name} account to add video meetings.")
    if connection.state == ConnectionState.BROKEN:
        raise ReconnectNeeded(reconnect_message(adapter.name))
    return connection


async def _with_token(
    deps: Collaborators,
    connection: UserConnection,
    adapter: VideoProvider,
    action: Callable[[str], Awaitable[T]],
) -> T:
    """Run ``action`` with a fresh access token; if the provider refuses the token, refresh once and retry."""
    assert connection.id is not None
    token = await tokens.access_token(
        deps.sessions, connection_id=connection.id, provider=adapter, cipher=deps.cipher, now=deps.clock(),
        read=connection,
    )  # fmt: skip
    try:
        return await action(token)
    except ProviderError as error:
        if error.kind is not ErrorKind.UNAUTHORIZED:
            raise
    token = await tokens.access_token(
        deps.sessions,
        connection_id=connection.id,
        provider=adapter,
        cipher=deps.cipher,
        now=deps.clock(),
        refused=token,
    )
    try:
        return await action(token)
    except ProviderError as error:
        if error.kind is ErrorKind.UNAUTHORIZED:
            raise ReconnectNeeded(reconnect_message(adapter.name)) from error
        raise


def _touch(db: AsyncSession, connection: UserConnection, now: datetime) -> None:
    """Note when the user last made or moved a meeting (Manage users sorts by it), to the minute: a click within a
    minute of the last one writes nothing more."""
    if connection.last_used_at is None or now - connection.last_used_at >= LAST_USE_PRECISION:
        connection.last_used_at = now
        db.add(connection)


def _alarm(start: datetime, minutes_before: int | None) -> datetime | None:
    return None if minutes_before is None else start - timedelta(minutes=minutes_before)
