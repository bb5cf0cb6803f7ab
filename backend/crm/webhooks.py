"""SuperOffice's appointment webhooks (``activity.created|changed|deleted``), verified and read.

``X-SuperOffice-Signature`` is base64(HMAC-SHA256(key = the secret as UTF-8, message = the raw body)).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

MAX_AGE = timedelta(minutes=15)
"""SuperOffice retries within seconds; an older delivery is a replay."""
APPOINTMENT_EVENTS = {"activity.created", "activity.changed", "activity.deleted"}


class CrmWebhookRejected(Exception):
    """Not provably from SuperOffice (or too old): nothing is done with it."""


@dataclass(frozen=True)
class AppointmentEvent:
    event_id: str
    kind: str
    """``created``, ``changed`` or ``deleted``."""
    context_id: str
    appointment_id: int
    associate_id: int
    start: datetime | None
    end: datetime | None
    title: str
    location: str
    description: str


def read_appointment_event(
    headers: Mapping[str, str], body: bytes, secret: str, now: datetime
) -> AppointmentEvent | None:
    """The appointment event, None for other (valid) events; CrmWebhookRejected when forged or stale."""
    expected = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    if not hmac.compare_digest(expected, headers.get("x-superoffice-signature", "")):
        raise CrmWebhookRejected("The notification's signature is not SuperOffice's.")
    try:
        message: dict[str, Any] = json.loads(body)
        sent = datetime.fromisoformat(str(message["Timestamp"]))
    except (ValueError, KeyError):
        raise CrmWebhookRejected("The notification is not a SuperOffice webhook.") from None
    if sent.tzinfo is None or abs(now - sent) > MAX_AGE:
        raise CrmWebhookRejected("The notification is too old (or from the future).")
    if message.get("Event") not in APPOINTMENT_EVENTS:
        return None
    values = message.get("FieldValues") or {}
    return AppointmentEvent(
        event_id=str(message.get("EventId", "")),
        kind=str(message["Event"]).removeprefix("activity."),
        context_id=str(message.get("ContextIdentifier", "")),
        appointment_id=int(message.get("PrimaryKey") or values.get("appointment_id") or 0),
        associate_id=int(values.get("associate_id") or message.get("ChangedByAssociateId") or 0),
        start=_moment(values.get("do_by")),
        end=_moment(values.get("endDate")),
        title=str(values.get("title") or ""),
        location=str(values.get("location") or ""),
        description=str(values.get("description") or ""),
    )


def _moment(value: Any) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else None
