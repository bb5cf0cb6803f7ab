"""The company's video provider: which one, chosen by whom and when; choosing and disconnecting it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.models import ConnectionState, ProviderConnection, ProviderKind
from backend.providers.catalogue import CHOOSABLE, display_name
from backend.services import audit
from backend.services.audit import Actor
from backend.settings import Settings


class ConfigurationError(Exception):
    """The administrator's request cannot be done; the message says why and what to do instead."""


@dataclass(frozen=True)
class ProviderOption:
    kind: ProviderKind
    name: str
    description: str
    available: bool
    reason: str = ""
    """Why it cannot be chosen, when it cannot."""


def provider_options(settings: Settings) -> list[ProviderOption]:
    """Every choosable provider; one without app credentials (and without the sandbox) is not available."""
    credentials = {
        ProviderKind.ZOOM: (settings.zoom_client_id, settings.zoom_client_secret),
        ProviderKind.TEAMS: (settings.teams_client_id, settings.teams_client_secret),
        ProviderKind.GOOGLE_MEET: (settings.google_client_id, settings.google_client_secret),
    }
    options = []
    for info in CHOOSABLE:
        available = all(credentials[info.kind]) or settings.sandbox
        reason = (
            ""
            if available
            else f"Not set up on this server: its operator must add the {info.name} app's credentials "
            f"({info.settings_prefix}_CLIENT_ID and {info.settings_prefix}_CLIENT_SECRET)."
        )
        options.append(ProviderOption(info.kind, info.name, info.description, available, reason))
    return options


async def company_provider(db: AsyncSession, tenant_id: int) -> ProviderConnection | None:
    return (await db.exec(select(ProviderConnection).where(ProviderConnection.tenant_id == tenant_id))).first()


async def choose_provider(
    db: AsyncSession, *, settings: Settings, tenant_id: int, provider: str, admin: Actor
) -> ProviderConnection:
    """Make ``provider`` the company's video provider. Refused while another one is configured."""
    option = next((o for o in provider_options(settings) if o.kind.value == provider), None)
    if option is None:
        choices = ", ".join(info.name for info in CHOOSABLE)
        raise ConfigurationError(f"Choose one of the video providers offered: {choices}.")
    if not option.available:
        raise ConfigurationError(f"{option.name} cannot be chosen. {option.reason}")
    existing = await company_provider(db, tenant_id)
    if existing is not None:
        raise ConfigurationError(
            f"{display_name(existing.provider)} is already your video provider. "
            "Disconnect it first to choose another one."
        )
    connection = ProviderConnection(
        tenant_id=tenant_id,
        provider=option.kind,
        state=ConnectionState.ACTIVE,
        connected_by_associate_id=admin.associate_id or 0,
        connected_by_name=admin.email,
    )
    db.add(connection)
    audit.record(db, tenant_id=tenant_id, action="provider.chosen", actor=admin, provider=option.kind)
    try:
        await db.commit()
    except IntegrityError:  # another administrator chose one at the same moment
        await db.rollback()
        raise ConfigurationError(
            "Another administrator has just configured a video provider. Reload the page."
        ) from None
    return connection


async def disconnect_provider(db: AsyncSession, *, tenant_id: int, admin: Actor) -> ProviderKind | None:
    """Remove the company's provider (if any); returns which one was removed."""
    connection = await company_provider(db, tenant_id)
    if connection is None:
        return None
    provider = ProviderKind(connection.provider)
    await db.delete(connection)
    audit.record(db, tenant_id=tenant_id, action="provider.disconnected", actor=admin, provider=provider)
    await db.commit()
    return provider
