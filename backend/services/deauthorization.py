"""When a person removes our app at the provider, their data goes, as the provider's rules require.

The user who removed it loses their connection (tokens deleted) and what we hold of the meetings made with it: join
link, passcode, the provider's meeting id and host link are blanked and the meeting is marked removed (Zoom's
``app_deauthorized``: delete that user's Zoom data; a blank join link is how our rows say "no link", as while a
meeting is being made). The rows stay as history (topic, time). If the person is the one who connected the company,
the company's setup goes with it, every user's connection too: setup can start over.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import update
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.models import Meeting, MeetingState, ProviderConnection, ProviderKind, UserConnection, utcnow
from backend.providers.base import ProviderDeauthorized
from backend.security import InvalidToken, TokenCipher
from backend.services import audit, user_access
from backend.services.audit import Actor
from backend.services.crm_grants import forget_crm_grants
from backend.services.crm_web_panels import company_web_panel, web_panel_removal_due
from backend.services.crm_webhooks import company_webhook, webhook_removal_due

Held = TypeVar("Held", ProviderConnection, UserConnection)


@dataclass(frozen=True)
class Removed:
    companies: int
    users: int
    meetings: int = 0


async def holders(
    db: AsyncSession, provider: ProviderKind, event: ProviderDeauthorized, cipher: TokenCipher
) -> list[str]:
    """The provider user ids an event names by one refresh token (RISC ``token-revoked``: we keep no plain tokens to
    look up, so each stored one is decrypted and compared) or by the e-mail address of the account."""
    found: list[str] = []
    for table in (ProviderConnection, UserConnection):
        for holder in (await db.exec(select(table).where(table.provider == provider))).all():
            if event.token is not None:
                try:
                    token = cipher.decrypt(holder.refresh_token_encrypted)
                except InvalidToken:
                    continue
                named = bool(token) and event.token.names(token)
            else:
                email = holder.account_email if isinstance(holder, ProviderConnection) else holder.provider_email
                named = bool(event.email) and email.lower() == event.email.lower()
            if named and holder.provider_user_id and holder.provider_user_id not in found:
                found.append(holder.provider_user_id)
    return found


async def provider_deauthorized(db: AsyncSession, *, provider: ProviderKind, user_id: str, account_id: str) -> Removed:
    """Delete what we hold for this provider user (and, for the installing administrator, the company's setup)."""
    actor = Actor(kind="provider")
    users = await _held_by(db, UserConnection, provider, user_id)
    forgotten = 0
    for user in users:
        forgotten += await _forget_meetings(db, provider, user.tenant_id, user.associate_id)
    companies = await _held_by(db, ProviderConnection, provider, user_id)
    removed_users = 0
    for company in companies:
        others = list(
            (await db.exec(select(UserConnection).where(UserConnection.tenant_id == company.tenant_id))).all()
        )
        await db.exec(delete(UserConnection).where(UserConnection.tenant_id == company.tenant_id))  # type: ignore[call-overload]
        await user_access.revoke(db, company.tenant_id)
        removed_users += len([u for u in others if u.provider_user_id != user_id])
        await db.exec(delete(ProviderConnection).where(ProviderConnection.id == company.id))  # type: ignore[call-overload]
        await _take_company_out_of_superoffice(db, company.tenant_id)
        audit.record(db, tenant_id=company.tenant_id, action="provider.deauthorized", actor=actor, provider=provider,
                     account_id=account_id, user_connections_removed=len(others))  # fmt: skip
    for user in users:
        await db.exec(delete(UserConnection).where(UserConnection.id == user.id))  # type: ignore[call-overload]
        await user_access.revoke(db, user.tenant_id, [user.associate_id])
        await forget_crm_grants(db, user.tenant_id, only=[user.associate_id])
        audit.record(db, tenant_id=user.tenant_id, action="user.deauthorized", actor=actor, provider=provider,
                     subject_associate_id=user.associate_id)  # fmt: skip
    await db.commit()
    return Removed(companies=len(companies), users=removed_users + len(users), meetings=forgotten)


async def _take_company_out_of_superoffice(db: AsyncSession, tenant_id: int) -> None:
    """Without a provider the company's webhook and web panel serve nothing: remove them at SuperOffice as the
    administrators who set them up (their sign-ins kept until then, see ``crm_grants``); forget every other."""
    webhook, panel = await company_webhook(db, tenant_id), await company_web_panel(db, tenant_id)
    keep = []
    if webhook is not None and await webhook_removal_due(
        db, tenant_id=tenant_id, associate_id=webhook.registered_by_associate_id
    ):
        keep.append(webhook.registered_by_associate_id)
    if panel is not None and await web_panel_removal_due(
        db, tenant_id=tenant_id, associate_id=panel.saved_by_associate_id
    ):
        keep.append(panel.saved_by_associate_id)
    await forget_crm_grants(db, tenant_id, keep=keep)


async def _held_by(db: AsyncSession, table: type[Held], provider: ProviderKind, user_id: str) -> list[Held]:
    """The company setups or user connections this provider user authorized."""
    statement = select(table).where(table.provider == provider, table.provider_user_id == user_id)
    return list((await db.exec(statement)).all())


async def _forget_meetings(db: AsyncSession, provider: ProviderKind, tenant_id: int, associate_id: int) -> int:
    """Blank what the provider gave us about this user's meetings; returns how many meetings were touched."""
    statement = (
        update(Meeting)
        .where(
            col(Meeting.tenant_id) == tenant_id,
            col(Meeting.associate_id) == associate_id,
            col(Meeting.provider) == provider,
            col(Meeting.state) != MeetingState.PENDING,
        )
        .where((col(Meeting.join_url) != "") | (col(Meeting.provider_meeting_id) != ""))
    )
    blank = {"join_url": "", "passcode": "", "provider_meeting_id": ""}
    statement = statement.values(**blank, state=MeetingState.REMOVED, updated_at=utcnow())
    result = await db.exec(statement)  # type: ignore[call-overload]
    return int(result.rowcount or 0)
