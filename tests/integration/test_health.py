import asyncio

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.app import create_app
from backend.settings import Settings

pytestmark = pytest.mark.anyio


async def test_healthz_reports_a_reachable_database(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


async def test_healthz_answers_503_when_the_database_is_unreachable(settings: Settings) -> None:
    # Nothing listens on port 1: the database is down, the service must say so (and not leak the URL).
    broken = Settings(
        data_dir=settings.data_dir,
        database_url="postgresql+asyncpg://meetings:hunter2@127.0.0.1:1/meetings",
        secret_key=settings.secret,
    )
    async with AsyncTestClient(app=create_app(broken)) as client:
        response = await client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"] == "unreachable"
    assert "hunter2" not in response.text
    assert "127.0.0.1:1" not in response.text


async def test_readyz_says_ready_when_database_sessions_and_jobs_work(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ready", "database": "ok", "sessions": "ok", "jobs": "running"}


async def test_readyz_is_503_when_the_job_worker_stopped(client: AsyncTestClient[Litestar]) -> None:
    worker = client.app.state.job_worker
    worker.get_loop().call_soon_threadsafe(worker.cancel)  # the app runs on the test client's own loop
    for _ in range(100):
        if worker.done():
            break
        await asyncio.sleep(0.02)

    response = await client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {"status": "not ready", "database": "ok", "sessions": "ok", "jobs": "stopped"}


async def test_readyz_is_503_when_the_session_store_is_unreachable(settings: Settings) -> None:
    # Sessions in a Redis nobody runs (port 1): sign-ins would fail, so the instance must not be sent anyone.
    redis_down = settings.model_copy(update={"redis_url": "redis://:hunter2@127.0.0.1:1/0"})
    async with AsyncTestClient(app=create_app(redis_down)) as client:
        response = await client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["sessions"] == "unreachable"
    assert response.json()["database"] == "ok"
    assert "hunter2" not in response.text
