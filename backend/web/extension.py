"""``/extension/connect``: after CRM sign-in, hand the browser extension its token for this user."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.datastructures import State
from litestar.response import Template
from litestar.status_codes import HTTP_409_CONFLICT

from backend.security import UserIdentity
from backend.services import user_access
from backend.web.dependencies import DbSession
from backend.web.security_headers import NO_STORE
from backend.web.session_user import current_user, require_fresh_sign_in


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
        version=await user_access.current_generation(db_session, user.tenant_id, user.associate_id),
    )
    token = state.extension_tokens.issue(identity)
    # A page holding a token is never kept by the browser's cache or a proxy.
    return Template("pages/extension_connect.html", context={"user": user, "token": token}, headers=NO_STORE)
