"""Following the CRM: a saved appointment gets its meeting attached; a moved one moves it; a deleted one ends it.

The extension makes the meeting before a new appointment has an id. When the CRM tells us about the saved
appointment, the meeting whose link is in its Location or text is attached to it. From then on the CRM's changes
are followed at the provider, whichever client made them.
"""

from __future__ import annotations

import logging

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.crm.webhooks import AppointmentEvent
from backend.models import Meeting, MeetingState, Tenant
from backend.providers.base import ProviderError
from backend.security import ExtensionIdentity
from backend.services.configuration import ConfigurationError
from backend.services.invitation_mail import invitations_due
from backend.services.meetings import (
    Collaborators,
    MeetingChange,
    change_meeting,
    meetings_for_appointments,
    remove_meeting,
)
from backend.services.tokens import ReconnectNeeded

log = logging.getLogger(__name__)


async def follow_appointment(db: AsyncSession, event: AppointmentEvent, deps: Collaborators) -> str:
    """Act on one appointment event; returns what was done (for the log)."""
    tenant = (await db.exec(select(Tenant).where(Tenant.context_id == event.context_id))).first()
    if tenant is None or tenant.id is None or not event.appointment_id:
        return "ignored: unknown company"
    who = ExtensionIdentity(tenant.id, event.associate_id, tenant.context_id, tenant.company_name)
    attached = await meetings_for_appointments(db, who, [event.appointment_id])
    if not attached and event.kind != "deleted":
        attached = await _attach_by_link(db, who, event)
    # Participants are told first, whatever the provider says next: invitations for a new appointment or new
    # participants, an update for a move, a cancellation for a deleted appointment (the job reads the CRM).
    for meeting in attached:
        await invitations_due(db, meeting)
    await db.commit()
    try:
        if event.kind == "deleted":
            for meeting in attached:
                await remove_meeting(db, who, meeting.id, deps)
            return f"removed {len(attached)}"
        for meeting in attached:
            await change_meeting(db, who, meeting.id, _change_for(meeting, event), deps)
        return f"followed {len(attached)}"
    except (ProviderError, ReconnectNeeded, ConfigurationError) as error:
        # The CRM does not wait for us; the user sees the problem the next time they open the appointment.
        log.warning("following appointment %s failed: %s", event.appointment_id, type(error).__name__)
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
    return found  # committed by the caller, with the invitation jobs


def _change_for(meeting: Meeting, event: AppointmentEvent) -> MeetingChange:
    start, end = event.start, event.end
    duration = max(1, int((end - start).total_seconds() // 60)) if start and end and end > start else None
    return MeetingChange(topic=event.title or None, start=start, duration_minutes=duration)
