"""CRM users' SuperOffice sign-ins, kept so that background work can read their appointments as them.

Every sign-in replaces the user's grant. SuperOffice's refresh tokens do not rotate, so two refreshes at once do no
harm and need no lock (unlike Zoom's, see ``services/tokens``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

import httpx
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.crm.superoffice import CrmGrantRefused, CrmTokens, SuperOfficeSignIn
from backend.crm.webapi import CrmAccessRefused
from backend.db import upsert
from backend.models import CrmGrant, Job, JobState, ProviderConnection, utcnow
from backend.security import InvalidToken, TokenCipher

REFRESH_MARGIN = timedelta(minutes=2)
REMOVAL_JOBS = "remove_crm_"
"""The kinds of the jobs that take the company's webhook and web panel out of SuperOffice, as one of its users."""
T = TypeVar("T")
log = logging.getLogger(__name__)


class CrmGrantMissing(Exception):
    """We hold no working SuperOffice sign-in of this user: they must connect the extension (sign in) again."""


async def remember_crm_grant(
    db: AsyncSession, cipher: TokenCipher, *, tenant_id: int, associate_id: int, tokens: CrmTokens
) -> None:
    """Keep the tokens of the user's sign-in (replacing what was kept; a refresh token only when a new one came)."""
    now = utcnow()
    values = {
        "tenant_id": tenant_id, "associate_id": associate_id, "signed_in_at": now, "updated_at": now,
        "access_token_encrypted": cipher.encrypt(tokens.access_token), "token_expires_at": tokens.expires_at,
        "refresh_token_encrypted": cipher.encrypt(tokens.refresh_token) if tokens.refresh_token else None,
    }  # fmt: skip
    keep = () if tokens.refresh_token else ("refresh_token_encrypted",)
    # One statement: a second sign-in, a refresh or a disconnect's clean-up may touch the same row meanwhile.
    await upsert(db, CrmGrant, values, unique=("tenant_id", "associate_id"), keep=keep)
    await db.commit()


async def _store(db: AsyncSession, cipher: TokenCipher, grant: CrmGrant, tokens: CrmTokens) -> None:
    grant.access_token_encrypted = cipher.encrypt(tokens.access_token)
    if tokens.refresh_token:
        grant.refresh_token_encrypted = cipher.encrypt(tokens.refresh_token)
    grant.token_expires_at = tokens.expires_at
    grant.updated_at = utcnow()
    db.add(grant)
    try:
        await db.commit()
    except StaleDataError:  # forgotten while it was being refreshed (a disconnect, a deauthorization)
        await db.rollback()
        raise CrmGrantMissing from None


async def crm_access_token(
    db: AsyncSession,
    signin: SuperOfficeSignIn,
    cipher: TokenCipher,
    *,
    tenant_id: int,
    associate_id: int,
    now: datetime,
    refused: str | None = None,
) -> str:
    """A WebAPI access token of the user, refreshed when (nearly) expired or just ``refused`` by SuperOffice."""
    grant = await _grant(db, tenant_id, associate_id)
    if grant is None:
        raise CrmGrantMissing
    try:
        current = cipher.decrypt(grant.access_token_encrypted)
        refresh_token = cipher.decrypt(grant.refresh_token_encrypted)
    except InvalidToken:
        # The token key changed: this copy is useless, and the user's next sign-in keeps a new one.
        log.warning(
            "a SuperOffice sign-in of tenant %s cannot be decrypted with the configured keys; forgotten", tenant_id
        )
        await db.delete(grant)
        await db.commit()
        raise CrmGrantMissing from None
    fresh = grant.token_expires_at is not None and grant.token_expires_at > now + REFRESH_MARGIN
    if current and fresh and current != refused:
        return current
    if not refresh_token:
        raise CrmGrantMissing
    try:
        tokens = await signin.refresh(refresh_token)
    except CrmGrantRefused:
        await db.delete(grant)
        await db.commit()
        raise CrmGrantMissing from None
    await _store(db, cipher, grant, tokens)  # a refresh: the sign-in stays as old as it was
    return tokens.access_token


async def forget_crm_grants(
    db: AsyncSession,
    tenant_id: int,
    *,
    only: Collection[int] | None = None,
    keep: Collection[int] = (),
    signed_in_by: datetime | None = None,
) -> None:
    """Delete kept SuperOffice sign-ins of the company (``only`` these users; never those in ``keep``; with
    ``signed_in_by``, only sign-ins made by then), within the caller's transaction: nothing is kept once the work it
    was kept for is gone."""
    statement = delete(CrmGrant).where(col(CrmGrant.tenant_id) == tenant_id)
    if only is not None:
        statement = statement.where(col(CrmGrant.associate_id).in_(list(only)))
    if keep:
        statement = statement.where(col(CrmGrant.associate_id).not_in(list(keep)))
    if signed_in_by is not None:
        statement = statement.where(col(CrmGrant.signed_in_at) <= signed_in_by)
    await db.exec(statement)  # type: ignore[call-overload]


async def forget_crm_grants_once_company_is_gone(sessions: async_sessionmaker[AsyncSession], tenant_id: int) -> None:
    """After a job that removes the company's webhook or web panel at SuperOffice: the sign-in it ran as was kept
    only for that. When the company has no setup and no other such job is waiting, the grants signed in before the
    disconnect go; a sign-in since (an administrator setting the company up again) is kept for its own work."""
    async with sessions() as db:
        if (await db.exec(select(ProviderConnection.id).where(ProviderConnection.tenant_id == tenant_id))).first():
            return
        waiting = select(Job.created_at).where(
            col(Job.tenant_id) == tenant_id, col(Job.kind).startswith(REMOVAL_JOBS),
            col(Job.state).in_([JobState.PENDING, JobState.RUNNING]),
        )  # fmt: skip
        removals = (await db.exec(waiting)).all()
        if len(removals) > 1:  # the running one is the caller
            return
        disconnected_at = removals[0] if removals else utcnow()  # the caller was added with the disconnect
        await forget_crm_grants(db, tenant_id, signed_in_by=disconnected_at)
        await db.commit()


async def _grant(db: AsyncSession, tenant_id: int, associate_id: int) -> CrmGrant | None:
    statement = select(CrmGrant).where(CrmGrant.tenant_id == tenant_id, CrmGrant.associate_id == associate_id)
    return (await db.exec(statement)).first()


@dataclass(frozen=True)
class CrmAccess:
    """Calling SuperOffice's WebAPI as one of its users, in the background (jobs)."""

    sessions: async_sessionmaker[AsyncSession]
    signin: SuperOfficeSignIn
    cipher: TokenCipher
    http: httpx.AsyncClient

    async def as_user(
        self, tenant_id: int, associate_id: int, call: Callable[[httpx.AsyncClient, str], Awaitable[T]]
    ) -> T:
        """``call(http, access_token)``; a token SuperOffice refuses is refreshed once. CrmGrantMissing when we hold
        no working sign-in of the user, CrmAccessRefused when SuperOffice refuses even a fresh token."""
        refused = None
        for _ in range(2):
            async with self.sessions() as db:
                token = await crm_access_token(
                    db, self.signin, self.cipher, tenant_id=tenant_id, associate_id=associate_id, now=utcnow(),
                    refused=refused,
                )  # fmt: skip
            try:
                return await call(self.http, token)
            except CrmAccessRefused:
                refused = token
        raise CrmAccessRefused("SuperOffice refused this user's sign-in")
