"""Users' own provider connections, as an administrator manages them and as users end their own.

Removing a user's configuration deletes their tokens (our side first) and then revokes the grant at the provider.
Their meetings stay valid for the participants; their next video meeting asks them to connect again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import func, or_
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.crm.ids import parse_id
from backend.models import CrmGrant, ProviderKind, UserConnection
from backend.providers.base import VideoProvider
from backend.security import TokenCipher
from backend.services import audit, user_access
from backend.services.audit import Actor
from backend.services.broken_connections import mark_unreadable_ones
from backend.services.tokens import revoke_stored_grant

PAGE_SIZE = 50
SORTABLE = {
    "associate": UserConnection.associate_id,
    "name": UserConnection.crm_name,
    "email": UserConnection.crm_email,
    "account": UserConnection.provider_email,
    "connected": UserConnection.connected_at,
    "used": UserConnection.last_used_at,
    "state": UserConnection.state,
}


@dataclass(frozen=True)
class Listing:
    rows: list[UserConnection]
    total: int
    page: int
    pages: int
    query: str
    sort: str
    descending: bool


async def list_connections(
    db: AsyncSession,
    tenant_id: int,
    *,
    query: str = "",
    sort: str = "name",
    descending: bool = False,
    page: int = 1,
    cipher: TokenCipher | None = None,
) -> Listing:
    """One page of the tenant's connected users, filtered by name, e-mail or associate ID. With ``cipher``, the
    page's connections whose tokens no key decrypts are marked broken first, so the list shows who must reconnect."""
    sort = sort if sort in SORTABLE else "name"
    conditions = [UserConnection.tenant_id == tenant_id]
    text = query.strip()
    if text:
        literal = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{literal}%"
        searched = (UserConnection.crm_name, UserConnection.crm_email, UserConnection.provider_email)
        matches = [func.lower(column).like(pattern, escape="\\") for column in searched]
        associate_id = parse_id(text)
        if associate_id is not None:
            matches.append(UserConnection.associate_id == associate_id)
        conditions.append(or_(*matches))
    total = (await db.exec(select(func.count()).select_from(UserConnection).where(*conditions))).one()
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    column = col(SORTABLE[sort])
    order = column.desc().nulls_last() if descending else column.asc().nulls_last()
    statement = (
        select(UserConnection)
        .where(*conditions)
        .order_by(order, col(UserConnection.associate_id))
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    )
    rows = list((await db.exec(statement)).all())
    if cipher is not None:
        await mark_unreadable_ones(db, cipher, rows)
    return Listing(rows, total, page, pages, text, sort, descending)


async def remove_configurations(
    db: AsyncSession,
    *,
    tenant_id: int,
    associate_ids: Sequence[int],
    actor: Actor,
    adapters: Mapping[ProviderKind, VideoProvider],
    cipher: TokenCipher,
) -> int:
    """Remove these users' provider connections (only this tenant's); returns how many were removed."""
    removed = list(
        (
            await db.exec(
                select(UserConnection).where(
                    UserConnection.tenant_id == tenant_id, col(UserConnection.associate_id).in_(list(associate_ids))
                )
            )
        ).all()
    )
    if not removed:
        return 0
    grants = [(ProviderKind(c.provider), c.refresh_token_encrypted or c.access_token_encrypted) for c in removed]
    await db.exec(delete(UserConnection).where(col(UserConnection.id).in_([c.id for c in removed])))  # type: ignore[call-overload]
    # Their extension and web panel tokens stop working too: a token kept from before would otherwise act for them
    # again once they reconnect.
    await user_access.revoke(db, tenant_id, [c.associate_id for c in removed])
    # Their SuperOffice sign-ins kept for background work go too; the next sign-in keeps a new one.
    gone = [c.associate_id for c in removed]
    await db.exec(delete(CrmGrant).where(CrmGrant.tenant_id == tenant_id, col(CrmGrant.associate_id).in_(gone)))  # type: ignore[call-overload]
    action = "user.disconnected" if actor.kind == "user" else "user.removed"
    for connection in removed:
        audit.record(db, tenant_id=tenant_id, action=action, actor=actor, provider=ProviderKind(connection.provider),
                     subject_associate_id=connection.associate_id, account=connection.provider_email)  # fmt: skip
    await db.commit()
    for provider, stored in grants:  # after our side is gone: the provider's notices then find nothing to remove
        if (adapter := adapters.get(provider)) is not None:
            await revoke_stored_grant(adapter, cipher, stored)
    return len(removed)
