"""The *Activity* page (the audit trail, newest first) and its CSV export, for administrators."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from typing import Any

from litestar import Controller, Request, get
from litestar.datastructures import State
from litestar.params import FromQuery
from litestar.response import Stream, Template
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.models import AuditEvent
from backend.providers.catalogue import display_name
from backend.services.activity import activity_page, all_activity
from backend.web.bounds import PageNumber
from backend.web.dependencies import DbSession
from backend.web.htmx import wants_partial
from backend.web.session_user import current_user, require_administrator

ACTIONS = {
    "provider.connected": "connected {provider} as the company's provider ({account})",
    "provider.setting_saved": "saved the {provider} company setting",
    "provider.disconnected": "disconnected {provider} (removing {user_connections_removed} user connections)",
    "provider.deauthorized": "{provider} app uninstalled at {provider}: the company's setup was removed",
    "user.connected": "connected their {provider} account ({account})",
    "user.removed": "removed the {provider} configuration of associate {subject}",
    "user.disconnected": "removed their own {provider} configuration",
    "user.signed_out_everywhere": "signed out of video meetings in every browser",
    "user.deauthorized": "{provider} app uninstalled by associate {subject} at {provider}: connection removed",
    "invitations.saved": "saved the invitation settings",
    "invitations.sent": "e-mailed the participants of \u201c{title}\u201d (associate {subject}): {invitations} "
    "invitations, {updates} updates, {cancellations} cancellations",
    "invitations.failed": "could not e-mail the participants of \u201c{title}\u201d (associate {subject}): "
    "{error}; {outcome}",
    "meetings.follow_failed": "could not {change} the {provider} meeting \u201c{title}\u201d of associate {subject} as "
    "its CRM appointment {appointment} asked: {error}",
}


def describe(event: AuditEvent) -> str:
    """A sentence about the event, for people."""
    template = ACTIONS.get(event.action, event.action)
    values = {"provider": display_name(event.provider or ""), "subject": event.subject_associate_id or "",
              "account": "", "user_connections_removed": 0, "title": "", "error": "", "outcome": "",
              "invitations": 0, "updates": 0, "cancellations": 0, **event.detail}  # fmt: skip
    return template.format(**values)


def actor(event: AuditEvent) -> str:
    if event.actor_kind == "provider":
        return display_name(event.provider or "") or "The provider"
    if event.actor_kind == "system":
        return "Meetings for SuperOffice"
    who = event.detail.get("actor_email") or f"associate {event.actor_associate_id}"
    return f"{who} (administrator)" if event.actor_kind == "admin" else who


class ActivityController(Controller):
    path = "/admin/video-meetings/activity"
    guards = [require_administrator]

    @get("/")
    async def activity(
        self, request: Request[Any, Any, Any], db_session: DbSession, page: FromQuery[PageNumber] = 1
    ) -> Template:
        user = current_user(request)
        assert user is not None and user.tenant_id is not None
        listing = await activity_page(db_session, user.tenant_id, page)
        context = {"user": user, "listing": listing, "describe": describe, "actor": actor}
        template = "partials/activity_table.html" if wants_partial(request) else "pages/activity.html"
        return Template(template, context=context)

    @get("/export.csv")
    async def export(self, request: Request[Any, Any, Any], state: State) -> Stream:
        """Every event as CSV (UTF-8), newest first, streamed: a company's trail may be long."""
        user = current_user(request)
        assert user is not None and user.tenant_id is not None
        tenant_id = user.tenant_id

        async def rows() -> AsyncIterator[str]:
            # A session of its own: the request's is closed once the handler returns, before the body is sent.
            async with state.sessions() as db_session:
                async for line in _csv_lines(db_session, tenant_id):
                    yield line

        filename = f"video-meetings-activity-{user.context_id}.csv"
        return Stream(rows(), media_type="text/csv; charset=utf-8",
                      headers={"Content-Disposition": f'attachment; filename="{filename}"'})  # fmt: skip


async def _csv_lines(db_session: AsyncSession, tenant_id: int) -> AsyncIterator[str]:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["time_utc", "action", "description", "by", "actor_kind", "actor_associate_id",
                     "subject_associate_id", "provider", "detail"])  # fmt: skip
    async for event in all_activity(db_session, tenant_id):
        writer.writerow([event.at.isoformat(), event.action, describe(event), actor(event), event.actor_kind,
                         event.actor_associate_id or "", event.subject_associate_id or "", event.provider or "",
                         json.dumps(event.detail, sort_keys=True)])  # fmt: skip
        yield out.getvalue()
        out.seek(0)
        out.truncate()
    yield out.getvalue()
