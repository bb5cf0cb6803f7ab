"""Following the CRM: a saved appointment gets its meeting attached; a moved one moves it; a deleted one ends it.

SuperOffice's appointment events carry little (``activity.created``: ids, dates and codes; ``activity.changed``: only
the names of changed columns; ``activity.deleted``: ids; ``ChangedByAssociateId`` is whoever made the change). So an
event is used for two things only, the appointment's id and the kind of change, and everything else is read from
the WebAPI as someone who can see the appointment: the owners of its meetings first.

The extension makes the meeting before a new appointment has an id. When SuperOffice tells us about an appointment
that has no meeting of ours yet, the appointment is read, and the company's unattached meeting whose link it holds
(in JoinVideomeetUrl, Location or text) is attached to it. From then on its changes are followed at the provider,
whoever made them: a colleague deleting the owner's appointment ends the owner's meeting.

SuperOffice wants a fast answer and gives up after three tries within seconds, so the webhook only records what is
due (the outbox, in one transaction); the job retries while SuperOffice or the provider is busy or down, and reads
the appointment as it is then (webhooks can arrive late and out of order).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.crm.appointments import AppointmentGone, CrmAppointment, read_appointment
from backend.crm.superoffice import CrmUnavailable
from backend.crm.webapi import CrmAccessRefused
from backend.crm.webhooks import CrmEvent
from backend.models import Meeting, MeetingState, ProviderKind, Tenant, utcnow
from backend.providers.base import ErrorKind, ProviderError
from backend.security import UserIdentity
from backend.services import audit, jobs
from backend.services.configuration import ConfigurationError
from backend.services.crm_grants import CrmAccess, CrmGrantMissing
from backend.services.crm_writeback import writeback_due
from backend.services.invitation_mail import invitations_due
from backend.services.jobs import Attempt, RetryLater
from backend.services.meetings import (
    Collaborators,
    MeetingChange,
    change_meeting,
    meetings_on_appointment,
    remove_meeting,
)
from backend.services.tokens import ReconnectNeeded

JOB_KIND = "follow_appointment"
PASSING = {ErrorKind.RATE_LIMITED, ErrorKind.UNAVAILABLE, ErrorKind.IN_PROGRESS}
"""Worth another try later (a running Zoom meeting cannot be deleted until it ends)."""
ATTACHABLE_FOR = timedelta(days=7)
"""A meeting made in the dialog is attached when its appointment is saved; older unattached ones are not looked for."""
log = logging.getLogger(__name__)


async def appointment_event(db: AsyncSession, tenant: Tenant, event: CrmEvent) -> str:
    """Record what an appointment event makes due (invitations, the follow-up job); returns it for the log."""
    assert tenant.id is not None
    attached = await meetings_on_appointment(db, tenant.id, event.primary_key)
    if not attached and (event.kind == "deleted" or not await _attachable(db, tenant.id)):
        return "no meeting"
    # Participants are told whatever happens next (that job reads the CRM itself).
    for meeting in attached:
        await invitations_due(db, meeting)
    await jobs.enqueue(
        db,
        kind=JOB_KIND,
        key=f"{JOB_KIND}:{tenant.id}:{event.primary_key}",
        payload={
            "tenant_id": tenant.id,
            "appointment_id": event.primary_key,
            "kind": event.kind,
            "readers": [reader for reader in (event.owner_id, event.changed_by) if reader],
        },
        tenant_id=tenant.id,
        replace_payload=True,  # the latest event of the appointment is the one to follow
    )
    await db.commit()
    return f"{len(attached)} meeting(s) to follow" if attached else "looking for a new meeting's link"


def job_function(deps: Collaborators, crm: CrmAccess) -> jobs.JobFunction:
    async def follow(payload: dict[str, Any], attempt: Attempt) -> None:
        async with deps.sessions() as db:
            outcome = await follow_appointment(db, payload, deps, crm, attempt)
        log.info("appointment %s %s: %s", payload["appointment_id"], payload["kind"], outcome)

    return follow


@dataclass(frozen=True)
class _Reading:
    appointment: CrmAppointment | None
    gone: bool = False
    """Its meeting's owner was told it does not exist."""


async def follow_appointment(
    db: AsyncSession, payload: dict[str, Any], deps: Collaborators, crm: CrmAccess, attempt: Attempt
) -> str:
    """Bring our meetings of one appointment in step with it; RetryLater while SuperOffice or the provider is away
    (after the provider's Retry-After). What cannot be done is told in the company's Activity: a dead grant at once,
    a provider that stays away when the last attempt fails too."""
    tenant = await db.get(Tenant, payload["tenant_id"])
    if tenant is None or tenant.id is None:
        return "ignored: the company is gone"
    appointment_id = int(payload["appointment_id"])
    attached = await meetings_on_appointment(db, tenant.id, appointment_id)
    owners = [meeting.associate_id for meeting in attached]
    candidates = [] if attached else await _attachable(db, tenant.id)
    readers = [*owners, *payload.get("readers", []), *(meeting.associate_id for meeting in candidates)]
    try:
        reading = await _read(crm, tenant, appointment_id, list(dict.fromkeys(readers)), trusted=set(owners))
    except CrmUnavailable as error:
        raise RetryLater(str(error)) from error
    now = reading.appointment
    if now is None and not (reading.gone or payload["kind"] == "deleted"):
        return "not followed: nobody's SuperOffice sign-in can read the appointment"
    if not attached:
        if now is None:
            return "no meeting"
        attached = await _attach(db, candidates, now)
        if not attached:
            return "no meeting"
    for meeting in attached:
        who = UserIdentity(tenant.id, meeting.associate_id, tenant.context_id, tenant.company_name)
        unfollowed = _Unfollowed(meeting.topic, meeting.associate_id, meeting.provider, appointment_id, now is None)
        try:
            if now is None:  # deleted: whoever deleted it, the meeting ends as its owner
                await remove_meeting(db, who, meeting.id, deps)
            else:
                await change_meeting(db, who, meeting.id, _change_for(now), deps)
        except ProviderError as error:
            if error.kind in PASSING and not attempt.last:
                raise RetryLater(str(error), after_seconds=error.retry_after_seconds) from error
            log.warning("following appointment %s failed: %s", appointment_id, error.kind)
            if error.kind not in PASSING:
                await _tell(db, tenant.id, unfollowed, str(error))
                return f"failed: {error.kind}"
            await _tell(db, tenant.id, unfollowed, f"{error} (given up after {attempt.number} attempts)")
            raise RetryLater(str(error)) from error  # the last attempt: the job ends failed, for inspection
        except (ReconnectNeeded, ConfigurationError) as error:
            # Nothing to retry until someone acts: the owner connects again (or the administrator sets up a provider).
            log.warning("following appointment %s failed: %s", appointment_id, type(error).__name__)
            await _tell(db, tenant.id, unfollowed, str(error))
            return f"failed: {type(error).__name__}"
    return f"{'removed' if now is None else 'followed'} {len(attached)}"


@dataclass(frozen=True)
class _Unfollowed:
    """A meeting that could not follow its appointment, in the words the Activity needs."""

    title: str
    owner: int
    provider: ProviderKind
    appointment_id: int
    removing: bool


async def _tell(db: AsyncSession, tenant_id: int, meeting: _Unfollowed, reason: str) -> None:
    """The company's Activity says which meeting no longer matches its appointment and why: the change was made in
    the CRM, so nobody would otherwise learn that the meeting still stands, or is still at its old time."""
    audit.record(
        db, tenant_id=tenant_id, action="meetings.follow_failed", actor=audit.SYSTEM, provider=meeting.provider,
        subject_associate_id=meeting.owner, title=meeting.title, appointment=meeting.appointment_id,
        change="remove" if meeting.removing else "change", error=reason,
    )  # fmt: skip
    await db.commit()


async def _read(
    crm: CrmAccess, tenant: Tenant, appointment_id: int, readers: list[int], *, trusted: set[int]
) -> _Reading:
    """The appointment as the first reader whose sign-in works sees it. Only a ``trusted`` reader's 404 (the owner of
    a meeting on it) means it was deleted: another user may just not be allowed to see it."""
    assert tenant.id is not None

    async def read(http: httpx.AsyncClient, token: str) -> CrmAppointment:
        return await read_appointment(http, tenant.webapi_url, token, appointment_id)

    for reader in readers:
        try:
            return _Reading(await crm.as_user(tenant.id, reader, read))
        except AppointmentGone:
            if reader in trusted:
                return _Reading(None, gone=True)
        except (CrmGrantMissing, CrmAccessRefused):
            continue
    return _Reading(None)


async def _attachable(db: AsyncSession, tenant_id: int) -> list[Meeting]:
    statement = select(Meeting).where(
        Meeting.tenant_id == tenant_id,
        Meeting.state == MeetingState.ACTIVE,
        col(Meeting.appointment_id).is_(None),
        Meeting.created_at > utcnow() - ATTACHABLE_FOR,
    )
    return list((await db.exec(statement)).all())


async def _attach(db: AsyncSession, candidates: list[Meeting], appointment: CrmAppointment) -> list[Meeting]:
    found = [meeting for meeting in candidates if appointment.holds_link(meeting.join_url)]
    for meeting in found:
        meeting.appointment_id = appointment.appointment_id
        db.add(meeting)
        await writeback_due(db, meeting)  # the appointment gets to know its meeting (JoinVideomeetUrl)
        await invitations_due(db, meeting)
    await db.commit()
    return found


def _change_for(appointment: CrmAppointment) -> MeetingChange:
    minutes = int((appointment.end - appointment.start).total_seconds() // 60)
    return MeetingChange(topic=appointment.title or None, start=appointment.start, duration_minutes=minutes or None)
