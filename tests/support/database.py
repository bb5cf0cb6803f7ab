"""A fresh, empty database for each test: a SQLite file, or a PostgreSQL schema of its own.

``DATABASE_URL`` chooses: unset means SQLite; a ``postgresql+asyncpg://`` URL means a new schema in that
database per test (dropped afterwards), so tests never see each other's rows.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import sqlalchemy as sa
from sqlmodel import SQLModel

import backend.models  # noqa: F401  (the tables, for create_all)
from backend.db import create_engine
from backend.settings import Settings

T = TypeVar("T")
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"


@dataclass(frozen=True)
class TestDatabase:
    __test__ = False  # a fixture value, not a test class

    url: str
    schema: str | None

    @property
    def kind(self) -> str:
        return "postgresql" if self.url.startswith("postgresql") else "sqlite"

    def env(self) -> dict[str, str]:
        """The environment that points a `meetings` process at this database."""
        env = {"DATABASE_URL": self.url}
        if self.schema:
            env["MEETINGS_DATABASE_SCHEMA"] = self.schema
        return env


def run_blocking(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from synchronous fixture code, even while Playwright's sync API holds an
    event loop on this thread (``asyncio.run`` would refuse): it runs on a thread of its own."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _asyncpg_dsn(url: str) -> str:
    return sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _execute(url: str, statement: str) -> None:
    connection = await asyncpg.connect(_asyncpg_dsn(url))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@contextmanager
def fresh_database(tmp_path: Path) -> Iterator[TestDatabase]:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgresql"):
        yield TestDatabase(url=f"sqlite+aiosqlite:///{(tmp_path / 'meetings.sqlite3').as_posix()}", schema=None)
        return
    schema = f"test_{uuid.uuid4().hex[:16]}"
    run_blocking(_execute(url, f'CREATE SCHEMA "{schema}"'))
    try:
        yield TestDatabase(url=url, schema=schema)
    finally:
        run_blocking(_execute(url, f'DROP SCHEMA "{schema}" CASCADE'))


def settings_for(tmp_path: Path, database: TestDatabase) -> Settings:
    """Settings for a test's own database and directory, with quick background jobs."""
    return Settings(
        data_dir=tmp_path / "var",
        database_url=database.url,
        database_schema=database.schema,
        secret_key=TEST_SECRET,
        job_poll_seconds=0.05,
        job_retry_seconds=0.2,
        job_max_attempts=4,
    )


async def create_tables(settings: Settings) -> None:
    engine = create_engine(settings)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(SQLModel.metadata.create_all)
    finally:
        await engine.dispose()
