"""Reading the backend's tables from a test, to assert on what was stored."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import delete, update
from sqlmodel import SQLModel, select

from backend.db import create_engine, session_factory
from backend.settings import Settings
from tests.support.database import run_blocking

Row = TypeVar("Row", bound=SQLModel)


def rows(settings: Settings, table: type[Row], *conditions: Any) -> list[Row]:
    async def query() -> list[Row]:
        engine = create_engine(settings)
        try:
            async with session_factory(engine)() as db:
                return list((await db.exec(select(table).where(*conditions))).all())
        finally:
            await engine.dispose()

    return run_blocking(query())


def change_rows(settings: Settings, table: type[Row], values: dict[str, Any], *conditions: Any) -> None:
    """Arrange a state directly in the database (e.g. an access token that has just expired)."""

    async def run() -> None:
        engine = create_engine(settings)
        try:
            async with engine.begin() as connection:
                await connection.execute(update(table).where(*conditions).values(**values))
        finally:
            await engine.dispose()

    run_blocking(run())


def add_rows(settings: Settings, *new: Row) -> list[Row]:
    """Arrange rows directly in the database; returns them as stored (with their ids)."""

    async def run() -> list[Row]:
        engine = create_engine(settings)
        try:
            async with session_factory(engine)() as db:
                for row in new:
                    db.add(row)
                await db.commit()
                for row in new:
                    await db.refresh(row)
                return list(new)
        finally:
            await engine.dispose()

    return run_blocking(run())


def delete_rows(settings: Settings, table: type[Row], *conditions: Any) -> None:
    async def run() -> None:
        engine = create_engine(settings)
        try:
            async with engine.begin() as connection:
                await connection.execute(delete(table).where(*conditions))
        finally:
            await engine.dispose()

    run_blocking(run())
