"""``/metrics``: what the service counts for Prometheus, read as a monitoring system reads it; nobody else may."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.conftest import MakeUser
from tests.support.extension_api import ExtensionUser
from tests.support.live import LiveServers
from tests.support.waiting import eventually
from tests.support.zoom import arm, set_up_company_zoom

START = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)


def _metric(live: LiveServers, name: str, **labels: str) -> float:
    """The sum of the samples named ``name`` with these labels, now (0 when there is none yet)."""
    page = httpx.get(f"{live.backend_url}/metrics")
    assert page.status_code == 200, page.text
    total = 0.0
    for line in page.text.splitlines():
        match = re.fullmatch(rf"{name}\{{(.*)\}} (\S+)", line)
        if match and all(f'{key}="{value}"' in match.group(1) for key, value in labels.items()):
            total += float(match.group(2))
    return total


def _create(anna: ExtensionUser, key: str) -> httpx.Response:
    return anna.api.post("", json={"topic": "Metrics", "start": START.isoformat(), "duration_minutes": 30,
                                   "idempotency_key": key})  # fmt: skip


def test_requests_provider_calls_and_jobs_are_counted(live: LiveServers, make_extension_user: MakeUser) -> None:
    set_up_company_zoom(live)
    anna = make_extension_user("anna", zoom_email="anna@demo.example")
    calls_before = _metric(live, "meetings_provider_calls_total", provider="Zoom", outcome="ok")
    limited_before = _metric(live, "meetings_provider_calls_total", provider="Zoom", outcome="rate_limited")
    creates_before = _metric(live, "meetings_requests_total", path="/api/meetings", method="POST", status_code="201")

    assert _create(anna, "m1").status_code == 201
    arm(live, "rate_limited", count=1, retry_after_seconds=1)
    assert _create(anna, "m2").status_code == 201  # retried after Zoom's short Retry-After

    assert _metric(live, "meetings_provider_calls_total", provider="Zoom", outcome="ok") == calls_before + 2
    assert _metric(live, "meetings_provider_calls_total", provider="Zoom", outcome="rate_limited") == limited_before + 1
    assert (
        _metric(live, "meetings_requests_total", path="/api/meetings", method="POST", status_code="201")
        == creates_before + 2
    )
    # Connecting Zoom registered the company's webhook at SuperOffice: a job, done.
    eventually(lambda: _metric(live, "meetings_job_runs_total", kind="register_crm_webhook", outcome="done") >= 1)


@pytest.mark.anyio
async def test_metrics_are_refused_to_anyone_but_the_monitoring_system(client: AsyncTestClient[Litestar]) -> None:
    answer = await client.get("/metrics")  # the test client's address is no loopback address

    assert answer.status_code == 403
    assert "meetings_requests_total" not in answer.text
