"""How fast the Manage users page answers for a company with 10,000 connected users (prints figures).

    .venv/bin/python -m bench.manage_users            # SQLite
    DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/test .venv/bin/python -m bench.manage_users

Runs the real servers on free ports, signs in as the demo administrator over HTTP and times page loads.
"""

from __future__ import annotations

import logging
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from backend.models import ProviderKind, Tenant, UserConnection
from backend.settings import Settings
from tests.support.database import create_tables, fresh_database, run_blocking
from tests.support.live import live_servers
from tests.support.rows import add_rows, rows
from tests.support.signin import sign_in

USERS = 10_000
ROUNDS = 40


def timed(client: httpx.Client, url: str, **params: object) -> float:
    started = time.perf_counter()
    answer = client.get(url, params=params)
    assert answer.status_code == 200, answer.status_code
    return (time.perf_counter() - started) * 1000


def main() -> None:
    logging.getLogger("httpx").setLevel(logging.WARNING)  # the figures, not a line per request
    with tempfile.TemporaryDirectory() as scratch, fresh_database(Path(scratch)) as database:
        settings = Settings(data_dir=Path(scratch) / "var", database_url=database.url,
                            database_schema=database.schema, secret_key="bench-" * 8)  # fmt: skip
        run_blocking(create_tables(settings))
        with live_servers(settings) as live, httpx.Client(timeout=30) as admin:
            sign_in(admin, live, "admin", "/admin/video-meetings")
            [tenant] = rows(live.settings, Tenant)
            add_rows(live.settings, *[
                UserConnection(tenant_id=tenant.id, associate_id=1000 + i, provider=ProviderKind.ZOOM,
                               crm_name=f"Person {i:04d}", crm_email=f"person{i}@demo.example",
                               provider_email=f"person{i}@zoom.example")
                for i in range(USERS)])  # fmt: skip
            url = f"{live.backend_url}/admin/video-meetings/users"
            cases = {
                "first page (by name)": {},
                "sorted by last use, descending": {"sort": "used", "desc": "true"},
                "page 40 of 40": {"page": 40},
                "filtered by name": {"q": "Person 12"},
            }
            print(f"Manage users with {USERS} connected users, {ROUNDS} requests each, {database.kind}:")
            for name, params in cases.items():
                timed(admin, url, **params)  # warm-up
                samples = sorted(timed(admin, url, **params) for _ in range(ROUNDS))
                median, p95 = statistics.median(samples), samples[int(0.95 * ROUNDS) - 1]
                print(f"  {name:32s} median {median:6.1f} ms   p95 {p95:6.1f} ms (target: p95 <= 25 ms)")


if __name__ == "__main__":
    main()
