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
