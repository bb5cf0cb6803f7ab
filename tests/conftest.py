"""Fixtures shared by the whole suite: a fresh database per test, the app, live servers, and the browser."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from playwright.sync_api import BrowserContext, Page, Playwright, sync_playwright
from sqlmodel import SQLModel

import backend.models  # noqa: F401  (the tables, for create_all)
from backend.app import create_app
from backend.db import create_engine
from backend.settings import Settings
from tests.support.browser import extension_browser
from tests.support.database import TestDatabase, fresh_database, run_blocking
from tests.support.live import LiveServers, live_servers

ARTIFACTS = Path(__file__).parent / "artifacts"
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


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture
def browser(playwright: Playwright, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[BrowserContext]:
    """Chromium with the extension loaded; on failure, a screenshot of every open page goes to tests/artifacts/."""
    with extension_browser(playwright, tmp_path / "profile") as context:
        yield context
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            ARTIFACTS.mkdir(exist_ok=True)
            name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
            for number, open_page in enumerate(context.pages):
                if not open_page.is_closed() and not open_page.url.startswith("about:"):
                    open_page.screenshot(path=ARTIFACTS / f"{name}-{number}.png", full_page=True)


@pytest.fixture
def page(browser: BrowserContext) -> Page:
    return browser.pages[0] if browser.pages else browser.new_page()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
