"""The dependencies handlers ask for by name (wired in ``create_app``)."""

from __future__ import annotations

from litestar.di import NamedDependency
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.settings import Settings

DbSession = NamedDependency[AsyncSession]
"""``db_session``: this request's database session."""
AppSettings = NamedDependency[Settings]
"""``settings``: the instance's settings."""
