"""``/extension/connect``: after CRM sign-in, hand the browser extension its token for this user."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.datastructures import State
from litestar.response import Template
from litestar.status_codes import HTTP_409_CONFLICT
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.security import UserIdentity
from backend.services.connections import user_connection
from backend.web.dependencies import DbSession
from backend.web.session_user import current_user, require_fresh_sign_in


async def _version(db: AsyncSession, tenant_id: int, associate_id: int) -> int:
    connection = await user_connection(db, tenant_id, associate_id)
    return connection.token_version if connection is not None else 1


@get("/extension/connect", guards=[require_fresh_sign_in])
async def connect_extension(request: Request[Any, Any, Any], state: State, db_session: DbSession) -> Template:
    """The page the extension opens: it reads the token from the page (or the person copies it)."""
    user = current_user(request)
    assert user is not None
    if user.tenant_id is None:
        message = (
            f"Video meetings are not set up for {user.company_name} yet. Ask your SuperOffice administrator to "
            "configure them, then connect the extension again."
        )
        return Template("pages/extension_connect.html", context={"user": user, "error": message},
                        status_code=HTTP_409_CONFLICT)  # fmt: skip
    identity = UserIdentity(
        tenant_id=user.tenant_id,
        associate_id=user.associate_id,
        context_id=user.context_id,
        company_name=user.company_name,
        version=await _version(db_session, user.tenant_id, user.associate_id),
    )
    token = state.extension_tokens.issue(identity)
    return Template("pages/extension_connect.html", context={"user": user, "token": token})
