"""The database engine and the per-request session."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from litestar.datastructures import State
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.settings import Settings


def create_engine(settings: Settings) -> AsyncEngine:
    """Build the async engine for ``settings.database_url`` (SQLite or PostgreSQL)."""
    connect_args: dict[str, Any] = {}
    if settings.is_sqlite:
        _ensure_sqlite_dir(settings.database_url)
        connect_args["timeout"] = 30
    elif settings.database_schema:
        connect_args["server_settings"] = {"search_path": settings.database_schema}
    engine = create_async_engine(settings.database_url, connect_args=connect_args, pool_pre_ping=True)
    if settings.is_sqlite:
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def _ensure_sqlite_dir(url: str) -> None:
    database = sa.make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Foreign keys are off by default in SQLite; WAL lets the server and a CLI command share the file.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


async def provide_session(state: State) -> AsyncIterator[AsyncSession]:
    """Litestar dependency: one session per request, rolled back unless the handler committed."""
    async with state.sessions() as session:
        yield session


async def upsert(
    db: AsyncSession, table: type[Any], values: dict[str, Any], *, unique: Sequence[str], keep: Sequence[str] = ()
) -> None:
    """Insert the row, or update the one with the same ``unique`` columns (leaving ``keep`` as they are), in one
    statement in the caller's transaction: another request inserting or deleting that row meanwhile is no error."""
    dialect = postgresql if db.bind.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(**values)
    changed = {name: statement.excluded[name] for name in values if name not in (*unique, *keep)}
    await db.exec(statement.on_conflict_do_update(index_elements=list(unique), set_=changed))  # type: ignore[call-overload]


async def check_database(engine: AsyncEngine) -> None:
    """Raise if the database cannot answer a trivial query."""
    async with engine.connect() as connection:
        await connection.execute(sa.text("SELECT 1"))


def alembic_config(settings: Settings) -> Config:
    """Alembic's configuration for this instance: our migrations, this database."""
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    config.attributes["settings"] = settings
    return config


def upgrade_database(settings: Settings, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` (blocking; call it outside a running event loop)."""
    command.upgrade(alembic_config(settings), revision)
