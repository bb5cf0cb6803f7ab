"""Webhook intake: signed ``activity.changed`` events per second, 16 senders at once, with every event counted: none
lost (each answered ``ok`` once and its receipt kept) and none done twice (each sent again is a ``duplicate``).

    .venv/bin/python -m bench.webhooks
    DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/test .venv/bin/python -m bench.webhooks

The events name appointments without a meeting, as most of a CRM's appointments are: what is measured is the
intake itself (signature, bounds, deduplication, the receipt), 1 and 2 backend processes (PostgreSQL only).
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from backend.models import WebhookReceipt
from tests.support.crm_webhooks import company_secret, deleted_event, signed, wait_for_company_webhook
from tests.support.database import TestDatabase, fresh_database
from tests.support.live import LiveServers
from tests.support.rows import rows
from tests.support.served import meetings_serve
from tests.support.zoom import set_up_company_zoom

EVENTS = 2000
AGAIN = 200
SENDERS = 16


def _changed(appointment_id: int) -> dict[str, Any]:
    """An ``activity.changed`` event as SuperOffice sends one (no field values), for an appointment of our company."""
    event = deleted_event(appointment_id)
    event.pop("Values")
    return {**event, "Event": "activity.changed"}


async def _send_all(live: LiveServers, bodies: list[tuple[bytes, dict[str, str]]]) -> tuple[float, list[str]]:
    """Send every body, SENDERS at a time; (seconds taken, the answers' statuses in order)."""
    url = f"{live.backend_url}/webhooks/superoffice/Cust12345"
    statuses: list[str] = [""] * len(bodies)
    queue = iter(range(len(bodies)))

    async def sender() -> None:
        async with httpx.AsyncClient(timeout=60) as http:
            for index in queue:
                raw, headers = bodies[index]
                answer = await http.post(url, content=raw, headers=headers)
                statuses[index] = answer.json().get("status", str(answer.status_code))

    started = time.monotonic()
    await asyncio.gather(*(sender() for _ in range(SENDERS)))
    return time.monotonic() - started, statuses


def _intake(scratch: Path, database: TestDatabase, workers: int) -> float:
    with meetings_serve(scratch / f"var-{workers}", database, "--workers", str(workers)) as served:
        live = served.live
        set_up_company_zoom(live)
        wait_for_company_webhook(live)
        secret = company_secret(live)
        bodies = [signed(_changed(100_000 + n), secret) for n in range(EVENTS)]
        seconds, statuses = asyncio.run(_send_all(live, bodies))
        _, again = asyncio.run(_send_all(live, bodies[:AGAIN]))
        receipts = [r for r in rows(live.settings, WebhookReceipt) if r.provider == "superoffice"]
        lost = EVENTS - statuses.count("ok")
        twice = AGAIN - again.count("duplicate")
        print(f"  {workers} process(es): {EVENTS / seconds:7.1f} events/s   lost {lost}   done twice {twice}   "
              f"receipts {len(receipts)} of {EVENTS}")  # fmt: skip
        assert lost == 0 and twice == 0 and len(receipts) == EVENTS, "an event was lost or done twice"
        return EVENTS / seconds


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch, fresh_database(Path(scratch)) as database:
        print(f"Webhook intake, {EVENTS} signed activity.changed events, {SENDERS} senders, {database.kind}:")
        _intake(Path(scratch), database, 1)
        if database.kind != "postgresql":
            print("  2 processes: PostgreSQL only (SQLite serves one process)")
            return
    with tempfile.TemporaryDirectory() as scratch, fresh_database(Path(scratch)) as database:
        two = _intake(Path(scratch), database, 2)
        print(f"  2 processes: {two:.0f} events/s (target >= 500, none lost or done twice)")


if __name__ == "__main__":
    main()
