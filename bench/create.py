"""A meeting made through our API vs the same meeting made straight at the emulator; the keep-alive stall.

    .venv/bin/python bench/create.py            # SQLite
    DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/test .venv/bin/python bench/create.py

`meetings serve` runs in a process of its own (backend and sandbox); the extension's user is signed in and connected
to Zoom over HTTP as in the tests. Both sides are measured with keep-alive clients, in alternating rounds, so the
machine's mood touches both alike: what counts is the ratio printed at the end, not the milliseconds.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from tests.support.database import fresh_database
from tests.support.extension_api import extension_user
from tests.support.live import LiveServers
from tests.support.served import meetings_serve, summary
from tests.support.zoom import set_up_company_zoom, zoom_adapter, zoom_grant

ROUNDS, PER_ROUND = 10, 20
START = datetime.now(UTC).replace(microsecond=0) + timedelta(days=7)


def _zoom_token(live: LiveServers, email: str) -> str:
    """An access token of ``email``'s Zoom user at the sandbox's Zoom, got as our adapter gets one."""

    async def grant() -> str:
        async with httpx.AsyncClient(timeout=10) as http:
            return (await zoom_grant(live, zoom_adapter(live, http), email)).access_token

    return asyncio.run(grant())


def _timed(send: object) -> float:
    started = time.perf_counter()
    answer = send()  # type: ignore[operator]
    elapsed = (time.perf_counter() - started) * 1000
    assert answer.status_code in (200, 201), (answer.status_code, answer.text)
    return elapsed


def main() -> None:
    with (
        tempfile.TemporaryDirectory() as scratch,
        fresh_database(Path(scratch)) as database,
        meetings_serve(Path(scratch) / "var", database) as served,
    ):
        measure(served.live, database.kind)


def measure(live: LiveServers, kind: str) -> None:
    set_up_company_zoom(live)
    anna = extension_user(live, "anna", zoom_email="anna@demo.example")
    zoom_token = _zoom_token(live, "zoom-direct@demo.example")
    direct = httpx.Client(base_url=live.settings.zoom_api_url, timeout=30,
                          headers={"Authorization": f"Bearer {zoom_token}"})  # fmt: skip
    body = {"topic": "Kick-off", "start": START.isoformat(), "duration_minutes": 45}
    zoom_body = {"topic": "Kick-off", "type": 2, "start_time": START.strftime("%Y-%m-%dT%H:%M:%SZ"), "duration": 45,
                 "timezone": "UTC", "password": "Pass1234",
                 "settings": {"join_before_host": False, "waiting_room": True}}  # fmt: skip
    health_kept = httpx.Client(timeout=10)
    health_fresh = httpx.Client(timeout=10, limits=httpx.Limits(max_keepalive_connections=0))
    healthz = f"{live.backend_url}/healthz"
    sends = {
        "api": lambda: anna.api.post("", json={**body, "idempotency_key": uuid.uuid4().hex}),
        "zoom": lambda: direct.post("/users/me/meetings", json=zoom_body),
        "kept": lambda: health_kept.get(healthz),
        "fresh": lambda: health_fresh.get(healthz),
    }
    for send in sends.values():  # warm-up: connections, caches
        for _ in range(PER_ROUND):
            _timed(send)
    samples: dict[str, list[float]] = {name: [] for name in sends}
    for _ in range(ROUNDS):  # alternating, so that a slow moment of the machine falls on every kind
        for name, send in sends.items():
            samples[name] += [_timed(send) for _ in range(PER_ROUND)]

    api, zoom = statistics.median(samples["api"]), statistics.median(samples["zoom"])
    kept, fresh = statistics.median(samples["kept"]), statistics.median(samples["fresh"])
    print(f"Create, {ROUNDS * PER_ROUND} each, keep-alive, {kind}, 1 worker:")
    print(f"  via our API          {summary(samples['api'])}")
    print(f"  straight at emulator {summary(samples['zoom'])}")
    print(f"  ratio of p50s {api / zoom:.2f} (target <= 1.5), difference {api - zoom:.2f} ms (target <= 3)")
    print("Keep-alive stall, /healthz:")
    print(f"  kept-alive connection {summary(samples['kept'])}")
    print(f"  fresh connection      {summary(samples['fresh'])}")
    print(f"  difference of p50s {kept - fresh:+.2f} ms (target: kept-alive within 2 ms of fresh)")


if __name__ == "__main__":
    main()
