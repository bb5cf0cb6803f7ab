"""``/meet/DisconnectUser``: a user removes their own video meeting configuration (as SuperOffice's service offers),
or signs out of video meetings in every browser (``/meet/SignOutEverywhere``)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.response import Template

from backend.providers.catalogue import display_name
from backend.services import user_access
from backend.services.connections import user_connection
from backend.services.user_admin import remove_configurations
from backend.web.dependencies import Cipher, DbSession, Providers
from backend.web.session_user import current_user, require_signed_in

PATH = "/meet/DisconnectUser"
SIGN_OUT_EVERYWHERE_PATH = "/meet/SignOutEverywhere"


@get(PATH, guards=[require_signed_in])
async def disconnect_user_page(request: Request[Any, Any, Any], db_session: DbSession) -> Template:
    user = current_user(request)
    assert user is not None
    connection = (
        await user_connection(db_session, user.tenant_id, user.associate_id) if user.tenant_id is not None else None
    )
    context = {"user": user, "connection": connection, "display_name": display_name, "done": False}
    return Template("pages/disconnect_user.html", context=context)


@post(PATH, guards=[require_signed_in])
async def disconnect_user(
    request: Request[Any, Any, Any], db_session: DbSession, providers: Providers, cipher: Cipher
) -> Template:
    user = current_user(request)
    assert user is not None
    connection = (
        await user_connection(db_session, user.tenant_id, user.associate_id) if user.tenant_id is not None else None
    )
    provider = display_name(connection.provider) if connection else ""
    if connection is not None and user.tenant_id is not None:
        await remove_configurations(db_session, tenant_id=user.tenant_id, associate_ids=[user.associate_id],
                                    actor=user.actor_as_user(), adapters=providers, cipher=cipher)  # fmt: skip
    context = {"user": user, "connection": None, "display_name": display_name, "done": True, "provider": provider}
    return Template("pages/disconnect_user.html", context=context)


@post(SIGN_OUT_EVERYWHERE_PATH, guards=[require_signed_in])
async def sign_out_everywhere(request: Request[Any, Any, Any], db_session: DbSession) -> Template:
    """Revoke every extension token and web panel session of this user: a lost laptop, a shared browser."""
    user = current_user(request)
    assert user is not None
    if user.tenant_id is not None:
        await user_access.sign_out_everywhere(db_session, user.tenant_id, user.actor_as_user())
    connection = (
        await user_connection(db_session, user.tenant_id, user.associate_id) if user.tenant_id is not None else None
    )
    context = {"user": user, "connection": connection, "display_name": display_name, "done": False,
               "signed_out": True}  # fmt: skip
    return Template("pages/disconnect_user.html", context=context)


ROUTES = [disconnect_user_page, disconnect_user, sign_out_everywhere]
