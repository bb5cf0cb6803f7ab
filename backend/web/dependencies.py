"""The dependencies handlers ask for by name (wired in ``create_app``)."""

from __future__ import annotations

from litestar.di import NamedDependency
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.models import ProviderKind
from backend.providers.base import VideoProvider
from backend.security import TokenCipher
from backend.services.crm_grants import CrmAccess
from backend.settings import Settings

DbSession = NamedDependency[AsyncSession]
"""``db_session``: this request's database session."""
AppSettings = NamedDependency[Settings]
"""``settings``: the instance's settings."""
Providers = NamedDependency[dict[ProviderKind, VideoProvider]]
"""``providers``: the adapters of the providers this instance can use."""
Cipher = NamedDependency[TokenCipher]
"""``cipher``: encrypts and decrypts provider tokens."""
Crm = NamedDependency[CrmAccess]
"""``crm``: calls SuperOffice's WebAPI as one of its users (their kept sign-in)."""
