"""`meetings serve --workers N`: N backend processes on one port, on PostgreSQL; the single-flight token refresh,
the outbox's job claims and webhook deduplication hold across them. SQLite refuses more than one."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from backend.models import ConnectionState, Job, Meeting, MeetingState, UserConnection
from tests.support.crm_webhooks import company_secret, deleted_event, post_event, wait_for_company_webhook
from tests.support.database import TestDatabase
from tests.support.extension_api import ExtensionUser, extension_user
from tests.support.rows import change_rows, rows
from tests.support.served import Served, meetings_serve
from tests.support.waiting import eventually
from tests.support.zoom import held_meetings, set_up_company_zoom

WORKERS = 3
START = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)


def test_sqlite_refuses_more_than_one_worker_and_says_why(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "MEETINGS_DATA_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/m.db",
    }
    refused = subprocess.run(
        [sys.executable, "-m", "backend.cli", "serve", "--port", "0", "--workers", "2"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip

    assert refused.returncode == 2
    assert "--workers above 1 needs PostgreSQL" in refused.stderr
    assert "Run one worker on SQLite" in refused.stderr


@pytest.fixture
def served(database: TestDatabase, tmp_path: Path) -> Iterator[Served]:
    if database.kind != "postgresql":
        pytest.skip("several backend processes need PostgreSQL (SQLite refuses them, tested above)")
    with meetings_serve(tmp_path / "var", database, "--workers", str(WORKERS)) as served:
        yield served


@pytest.fixture
def anna(served: Served) -> Iterator[ExtensionUser]:
    set_up_company_zoom(served.live)
    user = extension_user(served.live, "anna", zoom_email="anna@demo.example")
    yield user
    user.api.close()
    user.browser.close()


def _fresh_connections(count: int, call: object) -> list[httpx.Response]:
    """``count`` requests at once, each on a connection of its own (so the kernel hands them to any process)."""
    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(call, range(count)))  # type: ignore[arg-type]


def test_three_processes_serve_one_port_and_refresh_a_grant_once(served: Served, anna: ExtensionUser) -> None:
    assert f"{WORKERS} processes" in served.banner
    assert len(served.processes()) == 1 + WORKERS  # the sandbox's and the supervisor's process, and the three
    body = {"topic": "Three workers", "start": START.isoformat(), "duration_minutes": 30, "idempotency_key": "k"}
    meeting = anna.api.post("", json=body).json()
    change_rows(served.live.settings, UserConnection, {"token_expires_at": datetime.now(UTC) - timedelta(seconds=1)})
    auth = dict(anna.api.headers)

    answers = _fresh_connections(12, lambda _: httpx.get(
        f"{served.live.backend_url}/api/meetings/{meeting['id']}/host-link", headers=auth, timeout=30))  # fmt: skip

    assert [a.status_code for a in answers] == [200] * 12  # a second refresh would have killed Zoom's grant
    [connection] = rows(served.live.settings, UserConnection)
    assert connection.state == ConnectionState.ACTIVE
    # /metrics adds up every process's figures, whichever process answers.
    for _ in range(3):
        page = httpx.get(f"{served.live.backend_url}/metrics").text
        served_links = re.search(r'meetings_requests_total\{[^}]*path="/api/meetings/\{meeting_id\}/host-link"'
                                 r'[^}]*status_code="200"[^}]*\} (\S+)', page)  # fmt: skip
        assert served_links and float(served_links.group(1)) == 12, page
        refreshed = re.search(r'meetings_token_refreshes_total\{[^}]*outcome="refreshed"[^}]*\} (\S+)', page)
        assert refreshed and float(refreshed.group(1)) == 1, page


def test_one_event_delivered_to_every_process_at_once_is_acted_on_once(served: Served, anna: ExtensionUser) -> None:
    wait_for_company_webhook(served.live)
    made = [anna.api.post("", json={"topic": f"M{i}", "start": START.isoformat(), "duration_minutes": 30,
                                    "idempotency_key": uuid.uuid4().hex, "appointment_id": 500 + i}).json()
            for i in range(3)]  # fmt: skip
    secret = company_secret(served.live)
    events = [deleted_event(500 + i) for i in range(3)]

    answers = _fresh_connections(24, lambda n: post_event(served.live, events[n % 3], secret))

    statuses = sorted(a.json()["status"] for a in answers)
    assert statuses == ["duplicate"] * 21 + ["ok"] * 3
    # The three removals were each done once, by whichever process claimed the job: nothing left at Zoom or pending.
    eventually(lambda: not rows(served.live.settings, Job) and not held_meetings(served.live))
    assert {m.state for m in rows(served.live.settings, Meeting)} == {MeetingState.REMOVED}
    assert len(made) == 3
