"""Each CRM user's own grant at the company's provider: connecting it, finding it."""

from __future__ import annotations

from sqlalchemy import and_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.models import ConnectionState, ProviderConnection, UserConnection, utcnow
from backend.providers.base import Grant, ProviderAccount, VideoProvider
from backend.providers.catalogue import display_name
from backend.security import TokenCipher
from backend.services import audit
from backend.services.audit import Actor
from backend.services.configuration import ConfigurationError, company_provider, serves_users


async def active_company_provider(db: AsyncSession, tenant_id: int | None, company_name: str) -> ProviderConnection:
    """The company's provider when its setup is complete; ConfigurationError telling the user whom to ask."""
    connection = await company_provider(db, tenant_id) if tenant_id is not None else None
    return _serving(connection, company_name)


async def active_company_provider_and_user(
    db: AsyncSession, tenant_id: int, associate_id: int, company_name: str
) -> tuple[ProviderConnection, UserConnection | None]:
    """The company's provider (as ``active_company_provider``) and the user's own connection, in one query."""
    statement = (
        select(ProviderConnection, UserConnection)
        .outerjoin(
            UserConnection,
            and_(
                col(UserConnection.tenant_id) == col(ProviderConnection.tenant_id),
                col(UserConnection.associate_id) == associate_id,
            ),
        )
        .where(ProviderConnection.tenant_id == tenant_id)
    )
    found = (await db.exec(statement)).first()
    company, user = found if found is not None else (None, None)
    return _serving(company, company_name), user


def _serving(connection: ProviderConnection | None, company_name: str) -> ProviderConnection:
    if connection is None or not serves_users(connection):
        raise ConfigurationError(
            f"Video meetings are not set up for {company_name or 'your company'} yet. Ask your SuperOffice "
            "administrator to configure them (Settings and maintenance, Preferences, Video meetings)."
        )
    return connection


async def user_connection(db: AsyncSession, tenant_id: int, associate_id: int) -> UserConnection | None:
    statement = select(UserConnection).where(
        UserConnection.tenant_id == tenant_id, UserConnection.associate_id == associate_id
    )
    return (await db.exec(statement)).first()


async def connect_user(
    db: AsyncSession,
    *,
    tenant_id: int,
    associate_id: int,
    provider: VideoProvider,
    grant: Grant,
    account: ProviderAccount,
    cipher: TokenCipher,
    user: Actor,
    company_name: str = "",
    crm_name: str = "",
) -> UserConnection:
    """Store (or replace) the user's grant at the company's provider."""
    company = await active_company_provider(db, tenant_id, company_name)
    if company.provider != provider.kind:
        raise ConfigurationError(
            f"Your company uses {display_name(company.provider)} now. Close this window and add the meeting again."
        )
    connection = await user_connection(db, tenant_id, associate_id)
    if connection is None:
        connection = UserConnection(tenant_id=tenant_id, associate_id=associate_id, provider=provider.kind)
    connection.provider = provider.kind
    connection.provider_user_id = account.id
    connection.provider_email = account.email
    connection.crm_name = crm_name
    connection.crm_email = user.email
    connection.access_token_encrypted = cipher.encrypt(grant.access_token)
    connection.refresh_token_encrypted = cipher.encrypt(grant.refresh_token)
    connection.token_expires_at = grant.expires_at
    connection.state, connection.broken_reason = ConnectionState.ACTIVE, ""
    # A refresh of the grant this one replaces may be in flight: ending its lease keeps it from storing old tokens.
    connection.refresh_lease_holder, connection.refresh_lease_until = None, None
    connection.connected_at = utcnow()
    db.add(connection)
    audit.record(db, tenant_id=tenant_id, action="user.connected", actor=user, provider=provider.kind,
                 subject_associate_id=associate_id, account=account.email)  # fmt: skip
    await db.commit()
    return connection
