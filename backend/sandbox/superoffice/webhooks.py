"""SuperOffice's webhook notifications for appointments, as the emulated CRM sends them.

Bodies follow the documentation's samples, field for field (SuperOfficeDocs/superoffice-docs
``docs/en/automation/webhook/reference/activity-events.md``, ``reference/test-event.md``, ``notification.md``):

- ``activity.created`` carries ``FieldValues`` with ids, dates and codes only (no title, location, text or
  participants); ``associate_id`` there is the owner.
- ``activity.changed`` has no ``FieldValues``: only ``Changes``, the database column names.
- ``activity.deleted`` has ``Values`` {appointment_id, contact_id, person_id, project_id, sale_id}, empty ``Changes``.
- ``ChangedByAssociateId`` is whoever made the change, not the owner.
- The ``test`` event sent on save says ``ContextIdentifier: "Default"`` and its ``X-Superoffice-Eventid`` header differs
  from its body's ``EventId``, as in the sample.

Signed ``X-SuperOffice-Signature`` = base64(HMAC-SHA256(key = the webhook's own secret, message = the raw body)).
Three attempts a cycle (after 1 s, then 4 s), then the event is dropped and the webhook's failed cycles counted.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from backend.sandbox.outgoing import delivery_client
from backend.sandbox.superoffice.store import Appointment
from backend.sandbox.superoffice.time_zones import BASE_ZONE, ZONES
from backend.sandbox.superoffice.webhook_store import Webhook, WebhookStore

log = logging.getLogger(__name__)
USER_AGENT = "NetServer-Webhook/8.8.6684.1719"
EMPTY_DATE = "0001-01-01T00:00:00"
TEST_TIMEOUT_SECONDS = 10


@dataclass
class DeliveryTiming:
    """Waits between the attempts of a cycle: SuperOffice's 1 s and 4 s (tests may shorten them over HTTP)."""

    retry_delays: list[float] = field(default_factory=lambda: [1.0, 4.0])


def signature(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def _timestamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"  # seven digits, as .NET writes them


def _base_date(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo(ZONES[BASE_ZONE][1])).isoformat(timespec="microseconds")


def event_body(
    webhook: Webhook, event: str, appointment: Appointment, changes: list[str], changed_by: int
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "EventId": str(uuid.uuid4()),
        "Timestamp": _timestamp(),
        "Changes": changes,
        "Event": event,
        "PrimaryKey": appointment.appointment_id,
        "Entity": "activity",
        "ContextIdentifier": appointment.context_id,
        "ChangedByAssociateId": changed_by,
        "WebhookName": webhook.name,
    }
    if event == "activity.created":
        body["FieldValues"] = {
            "activeDate": _base_date(appointment.start),
            "associate_id": appointment.associate_id,
            "contact_id": 0,
            "do_by": _base_date(appointment.start),
            "document_id": 0,
            "endDate": _base_date(appointment.end),
            "modified_appointment_fields": 0,
            "mother_id": 0,
            "person_id": 0,
            "private": 0,
            "project_id": 0,
            "sale_id": 0,
            "status": 1,
            "task_idx": appointment.task_id,
            "type": 1,
            "updated": EMPTY_DATE,
            "userdef2_id": 0,
            "userdef_id": 0,
        }
    elif event == "activity.deleted":
        body["Values"] = {
            "appointment_id": appointment.appointment_id,
            "contact_id": 0,
            "person_id": 0,
            "project_id": 0,
            "sale_id": 0,
        }
    return body


def test_body(webhook: Webhook, changed_by: int) -> dict[str, Any]:
    return {
        "EventId": str(uuid.uuid4()),
        "Timestamp": _timestamp(),
        "Changes": [],
        "Event": "test",
        "PrimaryKey": 0,
        "Entity": "test",
        "ContextIdentifier": "Default",
        "ChangedByAssociateId": changed_by,
        "WebhookName": webhook.name,
    }


def _headers(webhook: Webhook, body: dict[str, Any], raw: bytes, event_id: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-SuperOffice-Event": body["Event"],
        "X-SuperOffice-EventId": event_id,
        "X-SuperOffice-Signature": signature(webhook.secret, raw),
    }


async def test_post(webhook: Webhook, changed_by: int) -> int | str:
    """The POST SuperOffice sends when a webhook is saved; the target's status code, or why there was none."""
    body = test_body(webhook, changed_by)
    raw = json.dumps(body).encode()
    headers = {**_headers(webhook, body, raw, str(uuid.uuid4())), "X-Hook-Test": "true"}
    try:
        async with delivery_client(TEST_TIMEOUT_SECONDS) as client:
            return (await client.post(webhook.target_url, content=raw, headers=headers)).status_code
    except httpx.HTTPError as error:
        return type(error).__name__


async def _deliver(store: WebhookStore, timing: DeliveryTiming, webhook: Webhook, body: dict[str, Any]) -> None:
    raw = json.dumps(body).encode()
    headers = _headers(webhook, body, raw, body["EventId"])
    async with delivery_client(10) as client:
        for attempt, delay in enumerate((0.0, *timing.retry_delays)):
            await asyncio.sleep(delay)
            try:
                response = await client.post(
                    webhook.target_url, content=raw, headers={**headers, "X-SuperOffice-Retry": str(attempt)}
                )
                if response.status_code == 200:
                    store.cycle_ended(webhook.webhook_id, delivered=True)
                    return
            except httpx.HTTPError as error:
                log.warning("superoffice emulator: %s to %s failed: %s", body["Event"], webhook.target_url, error)
    store.cycle_ended(webhook.webhook_id, delivered=False)
    log.warning("superoffice emulator: dropped %s after %d tries", body["Event"], 1 + len(timing.retry_delays))


async def notify(
    store: WebhookStore,
    timing: DeliveryTiming,
    event: str,
    appointment: Appointment,
    changes: list[str],
    changed_by: int,
) -> None:
    """Send the event to each Active webhook of the appointment's tenant that subscribes to it."""
    webhooks = [
        webhook
        for webhook in store.of_tenant(appointment.context_id)
        if webhook.state == "Active" and webhook.type == "webhook" and event in webhook.events
    ]
    await asyncio.gather(
        *(_deliver(store, timing, w, event_body(w, event, appointment, changes, changed_by)) for w in webhooks)
    )


def changed_columns(before: Appointment | None, after: Appointment) -> list[str]:
    """The database column names SuperOffice lists in ``Changes``: for a new appointment, the sample's list."""
    if before is None:
        return list(CREATED_CHANGES)
    columns = {
        "do_by": "start",
        "endDate": "end",
        "location": "location",
        "text_id": "description",
        "leadtime": "alarm_lead_minutes",
        "hasAlarm": "has_alarm",
        "task_idx": "task_id",
    }
    changed = [column for column, name in columns.items() if getattr(before, name) != getattr(after, name)]
    if before.title != after.title or before.participants != after.participants:
        changed.append("text_id")  # the title lives in the appointment's text row (UNCONFIRMED column name)
    return ["appointment_id", *dict.fromkeys(changed), "updated", "updated_associate_id", "updatedCount"]


CREATED_CHANGES = (
    "appointment_id", "suggestedDocumentId", "status", "task_idx", "endDate", "document_id", "activeLinks",
    "assignedBy", "alarm", "done", "updatedCount", "contact_id", "emailId", "lagTime", "priority_idx", "associate_id",
    "userdef_id", "group_idx", "recurrenceRuleId", "private", "do_by", "location", "invitedPersonId",
    "registered_associate_id", "preferredTZLocation", "updated", "project_id", "rejectReason", "sale_id", "person_id",
    "activeDate", "rejectCounter", "color_index", "suggestedAppointmentId", "leadtime", "registered", "hasAlarm",
    "alldayEvent", "text_id", "updated_associate_id", "type", "userdef2_id", "freeBusy", "source", "isMilestone",
    "mother_id",
)  # fmt: skip
