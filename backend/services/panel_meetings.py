"""The video meeting web panel's use cases: one saved follow-up, read from SuperOffice as the signed-in user, and
its meeting added or removed with the same rules as the extension's dialog controls.

The panel sits in a frame beside the dialog's fields and cannot type into them, so it writes the follow-up itself
through the WebAPI: Location (when blank and the link fits), the "Join meeting" line in the text (Mail Link mode, or
when Location could not take the link), ``JoinVideomeetUrl`` and ``CentralserviceVideomeetId``, in one JSON Patch whose
``test`` operations make sure nothing typed and saved meanwhile is overwritten. The panel then asks the CRM to refresh
the dialog (see ``static/panel.js``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.crm.appointments import (
    ID_LIMIT,
    URL_LIMIT,
    AppointmentChangedMeanwhile,
    AppointmentGone,
    CrmAppointment,
    read_appointment,
    write_fields,
)
from backend.crm.superoffice import CrmUnavailable
from backend.crm.webapi import CrmAccessRefused
from backend.models import Meeting, Tenant
from backend.security import UserIdentity
from backend.services import meetings
from backend.services.configuration import ConfigurationError
from backend.services.crm_grants import CrmAccess, CrmGrantMissing
from backend.services.crm_writeback import writeback_due
from backend.services.meeting_text import (
    DESCRIPTION_LIMIT,
    location_with_link,
    location_without_link,
    with_join_line,
    without_join_line,
)

UNTITLED = "Meeting"
NOT_WRITTEN = (
    "The meeting is ready, but SuperOffice did not take its link into the follow-up just now. Copy the link from "
    "here; the follow-up gets it as soon as SuperOffice answers again."
)
DESCRIPTION_FULL = (
    "The meeting is added, but the description is too long for the link (SuperOffice keeps 2,048 characters). "
    "Copy the link from here where you need it."
)
LOCATION_FULL = (
    "The meeting is added, but its link is longer than Location allows (SuperOffice keeps 254 characters), so "
    "Location is left blank. The link is here and in the description."
)


@dataclass(frozen=True)
class PanelDeps:
    meetings: meetings.Collaborators
    crm: CrmAccess


@dataclass
class PanelView:
    """What the panel shows: the follow-up, its meeting (the user's own first) and what went wrong, if anything."""

    appointment: CrmAppointment
    meeting: Meeting | None
    own: bool
    notes: list[str] = field(default_factory=list)
    changed: bool = False
    """The follow-up was changed at SuperOffice: the dialog should be refreshed."""


async def view(db: AsyncSession, who: UserIdentity, appointment_id: int, crm: CrmAccess) -> PanelView:
    appointment = await _read(crm, who, await _tenant(db, who), appointment_id)
    return await _view(db, who, appointment)


async def add_meeting(
    db: AsyncSession, who: UserIdentity, appointment_id: int, *, key: str, timezone: str, deps: PanelDeps
) -> PanelView:
    """Make the follow-up's meeting (once per ``key``; never a second one on a follow-up that has one) and put its
    link into the follow-up."""
    tenant = await _tenant(db, who)
    appointment = await _read(deps.crm, who, tenant, appointment_id)
    current = await _view(db, who, appointment)
    if current.meeting is not None:
        return current
    minutes = max(1, int((appointment.end - appointment.start).total_seconds() // 60))
    new = meetings.NewMeeting(
        topic=appointment.title or UNTITLED, start=appointment.start, duration_minutes=min(minutes, 24 * 60),
        timezone=timezone, idempotency_key=key, appointment_id=appointment.appointment_id,
        alarm_minutes_before=appointment.alarm_minutes_before,
    )  # fmt: skip
    meeting = await meetings.create_meeting(db, who, new, deps.meetings)
    notes = await _write_link(db, deps.crm, who, tenant, appointment, meeting)
    return PanelView(appointment, meeting, own=True, notes=notes, changed=True)


async def remove_meeting(
    db: AsyncSession, who: UserIdentity, appointment_id: int, meeting_id: uuid.UUID, deps: PanelDeps
) -> PanelView:
    """Remove the user's meeting at the provider, then take its link out of the follow-up (only what we put
    there, and only where it is still exactly that)."""
    tenant = await _tenant(db, who)
    appointment = await _read(deps.crm, who, tenant, appointment_id)
    meeting = await meetings.own_meeting(db, who, meeting_id)
    if meeting.appointment_id != appointment.appointment_id:
        raise meetings.MeetingNotFound
    join_url = meeting.join_url
    await meetings.remove_meeting(db, who, meeting_id, deps.meetings)

    def removal(now: CrmAppointment) -> tuple[dict[str, str], dict[str, str]]:
        expected, changes = {}, {}
        for name, before, after in (
            ("Location", now.location, location_without_link(now.location, join_url)),
            ("Description", now.description, without_join_line(now.description, join_url)),
        ):
            if after != before:
                expected[name], changes[name] = before, after
        if now.join_videomeet_url == join_url[:URL_LIMIT]:
            expected["JoinVideomeetUrl"] = now.join_videomeet_url
            changes |= {"JoinVideomeetUrl": "", "CentralserviceVideomeetId": ""}
        return expected, changes

    written = await _patch(deps.crm, who, tenant, appointment, removal)
    after = await _view(db, who, written or appointment)
    after.changed = True
    if written is None:
        after.notes.append("The meeting is removed, but SuperOffice did not take its link out of the follow-up just "
                           "now: delete it from Location and the description.")  # fmt: skip
    return after


async def _write_link(
    db: AsyncSession, crm: CrmAccess, who: UserIdentity, tenant: Tenant, appointment: CrmAppointment, meeting: Meeting
) -> list[str]:
    url, notes = meeting.join_url, []
    mail_link = tenant.invitation_mode != "template"

    def addition(now: CrmAppointment) -> tuple[dict[str, str], dict[str, str]]:
        notes.clear()
        expected, changes = {}, {}
        location = location_with_link(now.location, url)
        if location != now.location:
            expected["Location"], changes["Location"] = now.location, location
        if not now.location.strip() and location != url:
            notes.append(LOCATION_FULL)
        if mail_link or location != url:  # the saved follow-up must carry the link somewhere
            described = with_join_line(now.description, url)
            if len(described) > DESCRIPTION_LIMIT:
                notes.append(DESCRIPTION_FULL)
            elif described != now.description:
                expected["Description"], changes["Description"] = now.description, described
        changes |= {"JoinVideomeetUrl": url[:URL_LIMIT], "CentralserviceVideomeetId": str(meeting.id)[:ID_LIMIT]}
        return expected, changes

    if await _patch(crm, who, tenant, appointment, addition) is None:
        await writeback_due(db, meeting)  # JoinVideomeetUrl at least, as soon as SuperOffice answers
        await db.commit()
        return [NOT_WRITTEN]
    return notes


Plan = Callable[[CrmAppointment], tuple[dict[str, str], dict[str, str]]]
"""From the follow-up as it is: the fields that must still hold what they hold (``test``), and their new values."""


async def _patch(
    crm: CrmAccess, who: UserIdentity, tenant: Tenant, appointment: CrmAppointment, plan: Plan
) -> CrmAppointment | None:
    """Apply ``plan``; when the follow-up changed meanwhile, read it again and plan once more. The follow-up as
    written, or None when SuperOffice could not be reached, refused, or it kept changing."""
    appointment_id, webapi_url = appointment.appointment_id, tenant.webapi_url

    async def write(expected: dict[str, str], changes: dict[str, str]) -> CrmAppointment:
        async def call(http: httpx.AsyncClient, token: str) -> CrmAppointment:
            await write_fields(http, webapi_url, token, appointment_id, expected=expected, changes=changes)
            return await read_appointment(http, webapi_url, token, appointment_id)

        return await crm.as_user(who.tenant_id, who.associate_id, call)

    current = appointment
    try:
        for _ in range(2):
            expected, changes = plan(current)
            if not changes:
                return current
            try:
                return await write(expected, changes)
            except AppointmentChangedMeanwhile:
                current = await _read(crm, who, tenant, appointment_id)
    except (CrmUnavailable, CrmAccessRefused, CrmGrantMissing, AppointmentGone):
        return None
    return None


async def _view(db: AsyncSession, who: UserIdentity, appointment: CrmAppointment) -> PanelView:
    found = await meetings.meetings_on_appointment(db, who.tenant_id, appointment.appointment_id)
    own = [meeting for meeting in found if meeting.associate_id == who.associate_id]
    meeting = (own or found or [None])[0]
    return PanelView(appointment, meeting, own=bool(own))


async def _tenant(db: AsyncSession, who: UserIdentity) -> Tenant:
    tenant = await db.get(Tenant, who.tenant_id)
    if tenant is None:
        raise ConfigurationError(f"Video meetings are not set up for {who.company_name}.")
    return tenant


async def _read(crm: CrmAccess, who: UserIdentity, tenant: Tenant, appointment_id: int) -> CrmAppointment:
    """The follow-up as SuperOffice has it now, read as the user (AppointmentGone, CrmUnavailable, CrmGrantMissing,
    CrmAccessRefused otherwise)."""

    async def call(http: httpx.AsyncClient, token: str) -> CrmAppointment:
        return await read_appointment(http, tenant.webapi_url, token, appointment_id)

    return await crm.as_user(who.tenant_id, who.associate_id, call)
