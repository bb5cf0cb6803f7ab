"""What signing in with SuperOffice does on our side: the tenant appears with its administrator's first visit."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.crm.superoffice import CrmIdentity
from backend.models import Tenant


async def tenant_for_sign_in(db: AsyncSession, identity: CrmIdentity) -> Tenant | None:
    """The tenant of the person who signed in, created from the claims when an administrator arrives first.

    Users of a tenant whose administrator has not been here yet get None: there is nothing set up for them.
    """
    tenant = await _tenant(db, identity.context_id)
    if tenant is None and identity.is_administrator:
        tenant = Tenant(
            context_id=identity.context_id, company_name=identity.company_name, webapi_url=identity.webapi_url
        )
        db.add(tenant)
        try:
            await db.commit()
        except IntegrityError:  # another administrator of the same tenant signed in at the same moment
            await db.rollback()
            tenant = await _tenant(db, identity.context_id)
    elif tenant is not None and identity.is_administrator:
        changed = (tenant.company_name, tenant.webapi_url) != (identity.company_name, identity.webapi_url)
        if changed:
            tenant.company_name, tenant.webapi_url = identity.company_name, identity.webapi_url
            db.add(tenant)
            await db.commit()
    return tenant


async def _tenant(db: AsyncSession, context_id: str) -> Tenant | None:
    return (await db.exec(select(Tenant).where(Tenant.context_id == context_id))).first()
