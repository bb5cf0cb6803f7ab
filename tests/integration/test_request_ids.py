"""Request ids: every answer carries one, a proxy's own is kept when it is sane, and the request's log lines say it."""

from __future__ import annotations

import logging

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.app import create_app
from backend.settings import Settings

pytestmark = pytest.mark.anyio


async def test_every_answer_carries_a_request_id_of_its_own(client: AsyncTestClient[Litestar]) -> None:
    first, second = await client.get("/healthz"), await client.get("/healthz")

    assert len(first.headers["x-request-id"]) == 32
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


@pytest.mark.parametrize(
    ("sent", "kept"),
    [("9f2c1a7e-5b1d-4c1e-9d3a-2f6b8c0e1a55", True), ("nginx.42:abc", True), ("a b", False), ("x" * 65, False),
     ("<script>", False)],
)  # fmt: skip
async def test_a_proxys_request_id_is_kept_only_when_it_is_sane(
    client: AsyncTestClient[Litestar], sent: str, kept: bool
) -> None:
    answer = await client.get("/healthz", headers={"X-Request-ID": sent})

    assert (answer.headers["x-request-id"] == sent) is kept


async def test_the_log_lines_of_a_request_carry_its_id(settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    # A database nobody runs (port 1): the health check logs a warning while it answers 503.
    down = settings.model_copy(update={"database_url": "postgresql+asyncpg://meetings@127.0.0.1:1/meetings"})
    health_log = logging.getLogger("backend.web.health")
    async with AsyncTestClient(app=create_app(down)) as client:
        health_log.addHandler(caplog.handler)  # the app's logging set-up has replaced the root's handlers by now
        try:
            answer = await client.get("/healthz", headers={"X-Request-ID": "proxy-123"})
        finally:
            health_log.removeHandler(caplog.handler)

    assert answer.status_code == 503
    warnings = [r for r in caplog.records if r.name == "backend.web.health"]
    assert warnings and all(getattr(r, "request_id", None) == "proxy-123" for r in warnings)
