"""Two backend processes on one database refresh a user's Zoom grant once, never twice (Zoom would kill it)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from backend.db import upgrade_database
from backend.models import ConnectionState, UserConnection
from backend.settings import Settings
from tests.support.database import TestDatabase
from tests.support.extension_api import extension_token
from tests.support.live import LiveServers, live_servers
from tests.support.rows import change_rows, rows
from tests.support.signin import csrf_token, sign_in
from tests.support.zoom import connect_user_zoom, set_up_company_zoom


@pytest.fixture
def first(empty_settings: Settings) -> Iterator[LiveServers]:
    upgrade_database(empty_settings)  # the second process migrates on start too: the database must be Alembic's
    with live_servers(empty_settings) as servers:
        yield servers


@pytest.fixture
def second_url(first: LiveServers, database: TestDatabase, tmp_path: Path) -> Iterator[str]:
    """Another `meetings serve` process, without a sandbox of its own, sharing the first one's world."""
    s = first.settings
    assert s.superoffice_client_secret and s.zoom_client_secret and s.zoom_webhook_secret
    env = {
        **os.environ,
        **database.env(),
        "MEETINGS_DATA_DIR": str(tmp_path / "second"),
        "MEETINGS_SECRET_KEY": s.secret,
        "MEETINGS_SANDBOX": "false",
        "MEETINGS_SUPEROFFICE_URL": s.superoffice_url,
        "MEETINGS_SUPEROFFICE_CLIENT_ID": s.superoffice_client_id,
        "MEETINGS_SUPEROFFICE_CLIENT_SECRET": s.superoffice_client_secret.get_secret_value(),
        "MEETINGS_ZOOM_CLIENT_ID": s.zoom_client_id,
        "MEETINGS_ZOOM_CLIENT_SECRET": s.zoom_client_secret.get_secret_value(),
        "MEETINGS_ZOOM_WEBHOOK_SECRET": s.zoom_webhook_secret.get_secret_value(),
        "MEETINGS_ZOOM_URL": s.zoom_url,
        "MEETINGS_ZOOM_API_URL": s.zoom_api_url,
        "PYTHONUNBUFFERED": "1",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "backend.cli", "serve", "--port", "0"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    output, deadline = "", time.monotonic() + 60
    while "Press Ctrl+C" not in output and time.monotonic() < deadline and process.poll() is None:
        output += process.stdout.readline()
    match = re.search(r"Backend:\s+(\S+)", output)
    assert match, output
    try:
        yield match.group(1)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)


def test_two_processes_refresh_a_grant_once(first: LiveServers, second_url: str) -> None:
    set_up_company_zoom(first)
    with httpx.Client(timeout=20) as anna:
        sign_in(anna, first, "anna")
        connect_user_zoom(anna, first, "anna@demo.example")
        token = extension_token(anna, first)
    auth = {"Authorization": f"Bearer {token}"}
    body = {"topic": "Two workers", "start": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
            "duration_minutes": 30, "idempotency_key": "k"}  # fmt: skip
    meeting = httpx.post(f"{first.backend_url}/api/meetings", json=body, headers=auth).json()
    change_rows(first.settings, UserConnection, {"token_expires_at": datetime.now(UTC) - timedelta(seconds=1)})

    def host_link(i: int) -> int:
        backend = (first.backend_url, second_url)[i % 2]
        return httpx.get(f"{backend}/api/meetings/{meeting['id']}/host-link", headers=auth, timeout=30).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(host_link, range(8)))

    assert statuses == [200] * 8
    [connection] = rows(first.settings, UserConnection)
    assert connection.state == ConnectionState.ACTIVE


def test_a_session_started_in_one_process_is_known_to_the_other_and_ends_in_both(
    first: LiveServers, second_url: str
) -> None:
    with httpx.Client(timeout=20) as admin:
        page = sign_in(admin, first, "admin", "/admin/video-meetings")
        assert admin.get(f"{second_url}/admin/video-meetings").status_code == 200

        admin.post(f"{second_url}/auth/logout", data={"_csrf_token": csrf_token(page)})

        assert admin.get(f"{first.backend_url}/admin/video-meetings", follow_redirects=False).status_code == 303
