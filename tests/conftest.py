"""Fixtures shared by the whole suite: a fresh database per test, the app, and live servers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from backend.app import create_app
from backend.settings import Settings
from tests.support.database import TestDatabase, create_tables, fresh_database, run_blocking, settings_for
from tests.support.live import LiveServers, live_servers


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
    return settings_for(tmp_path, database)


@pytest.fixture
def settings(empty_settings: Settings) -> Settings:
    """Settings for this test's own database, with the tables created."""
    run_blocking(create_tables(empty_settings))
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
