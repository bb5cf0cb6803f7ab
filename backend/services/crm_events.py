"""Following the CRM: a saved appointment gets its meeting attached; a moved one moves it; a deleted one ends it.

The extension makes the meeting before a new appointment has an id. When the CRM tells us about the saved
appointment, the meeting whose link is in its Location or text is attached to it. From then on the CRM's changes
are followed at the provider, whichever client made them.

SuperOffice wants a fast answer and gives up after three tries within seconds, so the webhook only records what is
due (the outbox, in one transaction): the invitation e-mails, and a job that brings the provider's meeting in step.
That job retries while the provider is busy or down, and follows the appointment as the WebAPI has it then
(webhooks can arrive out of order).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import httpx
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.crm.appointments import AppointmentGone, CrmAccessRefused, CrmAppointment, read_appointment
from backend.crm.superoffice import CrmUnavailable
from backend.crm.webhooks import AppointmentEvent
from backend.models import Meeting, MeetingState, Tenant
from backend.providers.base import ErrorKind, ProviderError
from backend.security import ExtensionIdentity
from backend.services import jobs
from backend.services.configuration import ConfigurationError
from backend.services.crm_grants import CrmAccess, CrmGrantMissing
from backend.services.crm_writeback import writeback_due
from backend.services.invitation_mail import invitations_due
from backend.services.jobs import Attempt, RetryLater
from backend.services.meetings import (
    Collaborators,
    MeetingChange,
    change_meeting,
    meetings_for_appointments,
    remove_meeting,
)
from backend.services.tokens import ReconnectNeeded

JOB_KIND = "follow_appointment"
PASSING = {ErrorKind.RATE_LIMITED, ErrorKind.UNAVAILABLE}
log = logging.getLogger(__name__)


async def appointment_event(db: AsyncSession, event: AppointmentEvent) -> str:
    """Record what an appointment event makes due (invitations, the provider's follow-up); returns it for the log."""
    tenant = (await db.exec(select(Tenant).where(Tenant.context_id == event.context_id))).first()
    if tenant is None or tenant.id is None or not event.appointment_id:
        return "ignored: unknown company"
    who = ExtensionIdentity(tenant.id, event.associate_id, tenant.context_id, tenant.company_name)
    attached = await meetings_for_appointments(db, who, [event.appointment_id])
    if not attached and event.kind != "deleted":
        attached = await _attach_by_link(db, who, event)
        for meeting in attached:  # the appointment gets to know its meeting (JoinVideomeetUrl)
            await writeback_due(db, meeting)
    if not attached:
        await db.commit()
        return "no meeting"
    # Participants are told whatever the provider says next: invitations for a new appointment or new
    # participants, an update for a move, a cancellation for a deleted appointment (that job reads the CRM).
    for meeting in attached:
        await invitations_due(db, meeting)
    await jobs.enqueue(
        db,
        kind=JOB_KIND,
        key=f"{JOB_KIND}:{tenant.id}:{event.appointment_id}",
        payload=_payload(tenant.id, event),
        tenant_id=tenant.id,
        replace_payload=True,  # the latest event of the appointment is the one to follow
    )
    await db.commit()
    return f"{len(attached)} meeting(s) to follow"


def job_function(deps: Collaborators, crm: CrmAccess) -> jobs.JobFunction:
    async def follow(payload: dict[str, Any], attempt: Attempt) -> None:
        async with deps.sessions() as db:
            outcome = await follow_appointment(db, payload, deps, crm)
        log.info("appointment %s %s: %s", payload["appointment_id"], payload["kind"], outcome)

    return follow


async def follow_appointment(
    db: AsyncSession, payload: dict[str, Any], deps: Collaborators, crm: CrmAccess | None = None
) -> str:
    """Bring the provider's meetings of one appointment in step with it; RetryLater while the provider is away.

    Webhooks can arrive out of order (each is sent on its own, and retried), so the appointment as it is now is read
    from the WebAPI as its owner; only when we hold no sign-in of the owner is the event's own copy used.
    """
    tenant = await db.get(Tenant, payload["tenant_id"])
    if tenant is None:
        return "ignored: the company is gone"
    who = ExtensionIdentity(payload["tenant_id"], payload["associate_id"], tenant.context_id, tenant.company_name)
    attached = await meetings_for_appointments(db, who, [payload["appointment_id"]])
    if attached and payload["kind"] != "deleted" and crm is not None:
        payload = await _as_it_is_now(crm, tenant, payload)
    try:
        if payload["kind"] == "deleted":
            for meeting in attached:
                await remove_meeting(db, who, meeting.id, deps)
            return f"removed {len(attached)}"
        for meeting in attached:
            await change_meeting(db, who, meeting.id, _change_for(payload), deps)
        return f"followed {len(attached)}"
    except ProviderError as error:
        if error.kind in PASSING:
            raise RetryLater(str(error)) from error
        log.warning("following appointment %s failed: %s", payload["appointment_id"], error.kind)
        return f"failed: {error.kind}"
    except (ReconnectNeeded, ConfigurationError) as error:
        # Nothing to retry: the user sees the problem (and the way out) the next time they open the appointment.
        log.warning("following appointment %s failed: %s", payload["appointment_id"], type(error).__name__)
        return f"failed: {type(error).__name__}"


async def _attach_by_link(db: AsyncSession, who: ExtensionIdentity, event: AppointmentEvent) -> list[Meeting]:
    text = f"{event.location}\n{event.description}"
    statement = select(Meeting).where(
        Meeting.tenant_id == who.tenant_id,
        Meeting.associate_id == who.associate_id,
        Meeting.state == MeetingState.ACTIVE,
        col(Meeting.appointment_id).is_(None),
    )
    found = [meeting for meeting in (await db.exec(statement)).all() if meeting.join_url and meeting.join_url in text]
    for meeting in found:
        meeting.appointment_id = event.appointment_id
        db.add(meeting)
    return found  # committed by the caller, with the jobs


async def _as_it_is_now(crm: CrmAccess, tenant: Tenant, payload: dict[str, Any]) -> dict[str, Any]:
    async def read(http: httpx.AsyncClient, token: str) -> CrmAppointment:
        return await read_appointment(http, tenant.webapi_url, token, payload["appointment_id"])

    try:
        now = await crm.as_user(payload["tenant_id"], payload["associate_id"], read)
    except AppointmentGone:
        return {**payload, "kind": "deleted"}
    except (CrmGrantMissing, CrmAccessRefused):
        return payload  # the event's copy is all we have
    except CrmUnavailable as error:
        raise RetryLater(str(error)) from error
    return {**payload, "start": now.start.isoformat(), "end": now.end.isoformat(), "title": now.title}


def _payload(tenant_id: int, event: AppointmentEvent) -> dict[str, Any]:
    return {
        "tenant_id": tenant_id,
        "associate_id": event.associate_id,
        "appointment_id": event.appointment_id,
        "kind": event.kind,
        "start": event.start.isoformat() if event.start else None,
        "end": event.end.isoformat() if event.end else None,
        "title": event.title,
    }


def _change_for(payload: dict[str, Any]) -> MeetingChange:
    start = datetime.fromisoformat(payload["start"]) if payload.get("start") else None
    end = datetime.fromisoformat(payload["end"]) if payload.get("end") else None
    duration = max(1, int((end - start).total_seconds() // 60)) if start and end and end > start else None
    return MeetingChange(topic=payload.get("title") or None, start=start, duration_minutes=duration)
