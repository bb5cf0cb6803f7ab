"""The CRM appointment knows its meeting: ``JoinVideomeetUrl`` and ``CentralserviceVideomeetId`` (our meeting's UUID)
are written on it when a meeting is attached, and blanked when the meeting is removed (a job, as its owner).

Other SuperOffice clients, reports and SuperOffice's own ``{burl}`` then see the meeting. Blanking tests first that
the appointment still holds our link, so a link someone put there since is never wiped.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

import httpx
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.crm.appointments import AppointmentChangedMeanwhile, AppointmentGone, write_video_meeting
from backend.crm.superoffice import CrmUnavailable
from backend.crm.webapi import CrmAccessRefused
from backend.models import Meeting, MeetingState, Tenant
from backend.services import jobs
from backend.services.crm_grants import CrmAccess, CrmGrantMissing
from backend.services.jobs import Attempt, RetryLater

JOB_KIND = "write_meeting_to_crm"
log = logging.getLogger(__name__)


async def writeback_due(db: AsyncSession, meeting: Meeting) -> None:
    """Add the write-back job for ``meeting`` to the caller's transaction."""
    await jobs.enqueue(
        db, kind=JOB_KIND, key=f"{JOB_KIND}:{meeting.id}", payload={"meeting_id": str(meeting.id)},
        tenant_id=meeting.tenant_id,
    )  # fmt: skip


def job_function(crm: CrmAccess) -> jobs.JobFunction:
    async def write(payload: dict[str, Any], attempt: Attempt) -> None:
        async with crm.sessions() as db:
            meeting = await db.get(Meeting, uuid.UUID(payload["meeting_id"]))
            tenant = await db.get(Tenant, meeting.tenant_id) if meeting else None
        if meeting is None or tenant is None or tenant.id is None or meeting.appointment_id is None:
            return
        appointment_id, active = meeting.appointment_id, meeting.state == MeetingState.ACTIVE

        async def patch(http: httpx.AsyncClient, token: str) -> None:
            url = tenant.webapi_url
            if active:
                # Our meeting's id: SuperOffice's column holds 100 characters and a Teams meeting id is longer.
                meeting_id = str(meeting.id)
                await write_video_meeting(
                    http, url, token, appointment_id, join_url=meeting.join_url, meeting_id=meeting_id
                )
            else:
                await write_video_meeting(
                    http, url, token, appointment_id, join_url="", meeting_id="", only_if_url=meeting.join_url
                )

        try:
            await crm.as_user(tenant.id, meeting.associate_id, patch)
        except (AppointmentGone, AppointmentChangedMeanwhile):
            return  # deleted, or someone else's link is there now: nothing of ours to write
        except (CrmGrantMissing, CrmAccessRefused) as error:
            log.warning("meeting %s not written to the CRM: no usable sign-in (%s)", meeting.id, type(error).__name__)
        except CrmUnavailable as error:
            raise RetryLater(str(error)) from error

    return write
