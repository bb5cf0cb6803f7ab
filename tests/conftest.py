"""Fixtures shared by the whole suite: a fresh database per test, the app, and live servers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlmodel import SQLModel

import backend.models  # noqa: F401  (the tables, for create_all)
from backend.app import create_app
from backend.db import create_engine
from backend.settings import Settings
from tests.support.database import TestDatabase, fresh_database, run_blocking
from tests.support.live import LiveServers, live_servers

TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def database(tmp_path: Path) -> Iterator[TestDatabase]:
    with fresh_database(tmp_path) as db:
        yield db


@pytest.fixture
def empty_settings(tmp_path: Path, database: TestDatabase) -> Settings:
    """Settings for this test's own, empty database (no tables)."""
    return Settings(
        data_dir=tmp_path / "var",
        database_url=database.url,
        database_schema=database.schema,
        secret_key=TEST_SECRET,
        job_poll_seconds=0.05,
        job_retry_seconds=0.2,
        job_max_attempts=4,
    )


async def _create_tables(settings: Settings) -> None:
    engine = create_engine(settings)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(SQLModel.metadata.create_all)
    finally:
        await engine.dispose()


@pytest.fixture
def settings(empty_settings: Settings) -> Settings:
    """Settings for this test's own database, with the tables created."""
    run_blocking(_create_tables(empty_settings))
    return empty_settings


@pytest.fixture
def app(settings: Settings) -> Litestar:
    return create_app(settings)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=app) as test_client:
        yield test_client


@pytest.fixture
def live(settings: Settings) -> Iterator[LiveServers]:
    with live_servers(settings) as servers:
        yield servers


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
