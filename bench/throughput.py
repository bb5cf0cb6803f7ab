"""Creates per second at 16 at once: through our API with 1 backend process, straight at the emulator, and through
our API with 2 processes (PostgreSQL only: SQLite serves one).

    .venv/bin/python -m bench.throughput
    DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/test .venv/bin/python -m bench.throughput

Each figure is a count of completed creates over the same few seconds, with 16 keep-alive clients sending as fast
as answers come; the ratios printed at the end are what the targets are about.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from bench.create import _zoom_token
from tests.support.database import TestDatabase, fresh_database
from tests.support.extension_api import extension_user
from tests.support.live import LiveServers
from tests.support.served import meetings_serve
from tests.support.zoom import set_up_company_zoom

CONCURRENCY = 16
SECONDS = 5.0
START = datetime.now(UTC).replace(microsecond=0) + timedelta(days=7)


async def _rate(base_url: str, headers: dict[str, str], path: str, body: Callable[[], dict[str, object]]) -> float:
    """Completed creates per second with CONCURRENCY clients (after a short warm-up)."""
    done = 0
    clock = {"until": 0.0, "counting": False}

    async def client() -> None:
        nonlocal done
        async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=60) as http:
            while time.monotonic() < clock["until"]:
                answer = await http.post(path, json=body())
                assert answer.status_code in (200, 201), (answer.status_code, answer.text)
                if clock["counting"]:
                    done += 1

    clock["until"] = time.monotonic() + 1.0 + SECONDS
    tasks = [asyncio.create_task(client()) for _ in range(CONCURRENCY)]
    await asyncio.sleep(1.0)  # warm-up: connections opened, first answers
    clock["counting"], started = True, time.monotonic()
    await asyncio.gather(*tasks)
    return done / (time.monotonic() - started)


def _ours(live: LiveServers) -> float:
    anna = extension_user(live, "anna", zoom_email="anna@demo.example")
    token = anna.api.headers["Authorization"]
    body = {"topic": "Throughput", "start": START.isoformat(), "duration_minutes": 45}
    return asyncio.run(_rate(f"{live.backend_url}/api/meetings", {"Authorization": token}, "",
                             lambda: {**body, "idempotency_key": uuid.uuid4().hex}))  # fmt: skip


def _emulator(live: LiveServers) -> float:
    token = _zoom_token(live, "zoom-direct@demo.example")
    body = {"topic": "Throughput", "type": 2, "start_time": START.strftime("%Y-%m-%dT%H:%M:%SZ"), "duration": 45,
            "timezone": "UTC", "password": "Pass1234", "settings": {"join_before_host": False}}  # fmt: skip
    return asyncio.run(_rate(live.settings.zoom_api_url, {"Authorization": f"Bearer {token}"}, "/users/me/meetings",
                             lambda: body))  # fmt: skip


def _served(scratch: Path, database: TestDatabase, workers: int) -> tuple[float, float]:
    """(ours, the emulator's) creates per second with ``workers`` backend processes."""
    with meetings_serve(scratch / f"var-{workers}", database, "--workers", str(workers)) as served:
        set_up_company_zoom(served.live)
        return _ours(served.live), _emulator(served.live)


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch, fresh_database(Path(scratch)) as database:
        one, emulator = _served(Path(scratch), database, 1)
        print(f"Creates per second, {CONCURRENCY} at once, {SECONDS:.0f} s each, {database.kind}:")
        print(f"  through our API, 1 process   {one:7.1f}/s")
        print(f"  straight at the emulator     {emulator:7.1f}/s")
        print(f"  1 process vs the emulator    {one / emulator:7.2f} (target >= 0.5)")
        if database.kind != "postgresql":
            print("  2 processes: PostgreSQL only (SQLite serves one process)")
            return
    with tempfile.TemporaryDirectory() as scratch, fresh_database(Path(scratch)) as database:
        two, _ = _served(Path(scratch), database, 2)
        print(f"  through our API, 2 processes {two:7.1f}/s")
        print(f"  2 processes vs 1             {two / one:7.2f} (target >= 1.6)")


if __name__ == "__main__":
    main()
