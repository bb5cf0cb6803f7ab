"""The company's video provider: which one, connected by whom and when, its company setting, disconnecting it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlmodel import delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.models import ConnectionState, ProviderConnection, ProviderKind, UserConnection, utcnow
from backend.providers.base import Grant, ProviderAccount, VideoProvider
from backend.providers.catalogue import CHOOSABLE, display_name
from backend.security import TokenCipher
from backend.services import audit, user_access
from backend.services.audit import Actor
from backend.services.broken_connections import mark_unreadable_ones
from backend.services.crm_grants import forget_crm_grants
from backend.services.crm_web_panels import web_panel_due, web_panel_removal_due
from backend.services.crm_webhooks import webhook_due, webhook_removal_due
from backend.services.tokens import revoke_stored_grant
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


def provider_options(settings: Settings, adapters: Mapping[ProviderKind, VideoProvider]) -> list[ProviderOption]:
    """Every provider on offer; one this instance has no adapter or no app credentials for is not available."""
    options = []
    for info in CHOOSABLE:
        if info.kind in adapters:
            options.append(ProviderOption(info.kind, info.name, info.description, True))
            continue
        reason = (
            f"Not set up on this server: its operator must add the {info.name} app's credentials "
            f"({info.settings_prefix}_CLIENT_ID and {info.settings_prefix}_CLIENT_SECRET)."
        )
        options.append(ProviderOption(info.kind, info.name, info.description, False, reason))
    return options


def choosable(provider: str, settings: Settings, adapters: Mapping[ProviderKind, VideoProvider]) -> VideoProvider:
    """The adapter for a provider the administrator may choose; ConfigurationError with the reason otherwise."""
    option = next((o for o in provider_options(settings, adapters) if o.kind.value == provider), None)
    if option is None:
        choices = ", ".join(info.name for info in CHOOSABLE)
        raise ConfigurationError(f"Choose one of the video providers offered: {choices}.")
    if not option.available:
        raise ConfigurationError(f"{option.name} cannot be chosen. {option.reason}")
    return adapters[option.kind]


async def company_provider(db: AsyncSession, tenant_id: int) -> ProviderConnection | None:
    return (await db.exec(select(ProviderConnection).where(ProviderConnection.tenant_id == tenant_id))).first()


async def checked_company_provider(db: AsyncSession, cipher: TokenCipher, tenant_id: int) -> ProviderConnection | None:
    """The company's provider for its administrator's page: marked broken first if no key decrypts its tokens."""
    connection = await company_provider(db, tenant_id)
    if connection is not None:
        await mark_unreadable_ones(db, cipher, [connection])
    return connection


def serves_users(connection: ProviderConnection) -> bool:
    """Whether users can make meetings with it: its setup is complete. A connection whose own tokens broke still
    serves them (they use their own grants); only its administrator is asked to connect it again."""
    if connection.state == ConnectionState.BROKEN:
        return bool(connection.provider_settings)  # broken after its setting was saved
    return connection.state == ConnectionState.ACTIVE


async def ensure_connectable(db: AsyncSession, tenant_id: int, provider: ProviderKind) -> None:
    """Nothing is configured yet, or this provider's broken connection is being connected again (which keeps the
    company's setting, webhook and users); ConfigurationError otherwise."""
    existing = await company_provider(db, tenant_id)
    if existing is not None and not (existing.provider == provider and existing.state == ConnectionState.BROKEN):
        raise ConfigurationError(
            f"{display_name(existing.provider)} is already your video provider. "
            "Disconnect it first to choose another one."
        )


async def connect_company(
    db: AsyncSession,
    *,
    tenant_id: int,
    provider: VideoProvider,
    grant: Grant,
    account: ProviderAccount,
    admin: Actor,
    cipher: TokenCipher,
) -> ProviderConnection:
    """Store the administrator's authorization. Active only once the company setting is saved too."""
    connection = await company_provider(db, tenant_id)
    if connection is not None and connection.provider != provider.kind:
        raise ConfigurationError(
            f"{display_name(connection.provider)} is already your video provider. Disconnect it first."
        )
    if connection is None:
        connection = ProviderConnection(
            tenant_id=tenant_id, provider=provider.kind, connected_by_associate_id=admin.associate_id or 0
        )
    connection.provider_user_id = account.id
    connection.account_id = account.account_id or account.id
    connection.account_email = account.email
    connection.access_token_encrypted = cipher.encrypt(grant.access_token)
    connection.refresh_token_encrypted = cipher.encrypt(grant.refresh_token)
    connection.token_expires_at = grant.expires_at
    connection.connected_by_associate_id = admin.associate_id or 0
    connection.connected_by_name = admin.email
    connection.connected_at = utcnow()
    has_setting = bool(connection.provider_settings.get(provider.company_setting.name))
    connection.state = ConnectionState.ACTIVE if has_setting else ConnectionState.PENDING
    connection.broken_reason = ""
    db.add(connection)
    audit.record(db, tenant_id=tenant_id, action="provider.connected", actor=admin, provider=provider.kind,
                 account=account.email)  # fmt: skip
    await webhook_due(db, cipher, tenant_id=tenant_id, associate_id=admin.associate_id or 0)
    await web_panel_due(db, tenant_id=tenant_id, associate_id=admin.associate_id or 0)
    await db.commit()
    return connection


async def save_company_setting(
    db: AsyncSession, *, tenant_id: int, provider: VideoProvider, value: str, admin: Actor
) -> ProviderConnection:
    """Validate and store the provider's company setting (Zoom: the passcode); the configuration becomes active."""
    connection = await company_provider(db, tenant_id)
    if connection is None or connection.provider != provider.kind:
        raise ConfigurationError(f"Connect {provider.name} first.")
    try:
        cleaned = provider.validate_company_setting(value)
    except ValueError as error:
        raise ConfigurationError(str(error)) from None
    connection.provider_settings = {**connection.provider_settings, provider.company_setting.name: cleaned}
    if connection.state != ConnectionState.BROKEN:  # only connecting again mends a broken one
        connection.state = ConnectionState.ACTIVE
    db.add(connection)
    audit.record(db, tenant_id=tenant_id, action="provider.setting_saved", actor=admin, provider=provider.kind,
                 setting=provider.company_setting.name)  # fmt: skip
    await db.commit()
    return connection


async def disconnect_company(
    db: AsyncSession,
    *,
    tenant_id: int,
    admin: Actor,
    adapters: Mapping[ProviderKind, VideoProvider],
    cipher: TokenCipher,
) -> ProviderKind | None:
    """Revoke at the provider (best effort), delete the company's and every user's connection and tokens.

    Meetings already made stay as history rows (their links keep working for participants), without host links.
    """
    connection = await company_provider(db, tenant_id)
    if connection is None:
        return None
    provider = ProviderKind(connection.provider)
    users = list((await db.exec(select(UserConnection).where(UserConnection.tenant_id == tenant_id))).all())
    grants = [holder.refresh_token_encrypted or holder.access_token_encrypted for holder in [connection, *users]]
    # Our side first: revoking makes the provider notify us (app_deauthorized), and by then there must be nothing
    # left for that notification to remove, so the audit trail says "disconnected by the administrator".
    await db.exec(delete(UserConnection).where(UserConnection.tenant_id == tenant_id))  # type: ignore[call-overload]
    await user_access.revoke(db, tenant_id)  # every browser of the company signs in again
    await db.exec(delete(ProviderConnection).where(ProviderConnection.id == connection.id))  # type: ignore[call-overload]
    audit.record(db, tenant_id=tenant_id, action="provider.disconnected", actor=admin, provider=provider,
                 user_connections_removed=len(users))  # fmt: skip
    # Users' SuperOffice sign-ins were kept for work on the company's meetings: gone with it. The administrator's is
    # kept while the jobs that remove the webhook and the web panel at SuperOffice run as them; the last one drops it.
    webhook_job = await webhook_removal_due(db, tenant_id=tenant_id, associate_id=admin.associate_id or 0)
    panel_job = await web_panel_removal_due(db, tenant_id=tenant_id, associate_id=admin.associate_id or 0)
    removals_due = webhook_job or panel_job
    keep = [admin.associate_id] if removals_due and admin.associate_id is not None else []
    await forget_crm_grants(db, tenant_id, keep=keep)
    await db.commit()
    adapter = adapters.get(provider)
    if adapter is not None:
        for stored in grants:
            await revoke_stored_grant(adapter, cipher, stored)
    return provider
