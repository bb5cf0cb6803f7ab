"""The administrator's *Video meetings* configuration page (server-rendered; htmx swaps its section)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import URLEncodedBody
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_409_CONFLICT

from backend.providers.catalogue import display_name
from backend.services.configuration import (
    ConfigurationError,
    choose_provider,
    company_provider,
    disconnect_provider,
    provider_options,
)
from backend.web.dependencies import AppSettings, DbSession
from backend.web.htmx import wants_partial
from backend.web.session_user import SignedInUser, current_user, require_administrator

PAGE = "/admin/video-meetings"
Form = URLEncodedBody[dict[str, str]]


def _admin(request: Request[Any, Any, Any]) -> tuple[SignedInUser, int]:
    user = current_user(request)
    assert user is not None and user.tenant_id is not None  # the guard let only administrators of a tenant in
    return user, user.tenant_id


class VideoMeetingsController(Controller):
    path = "/admin"
    guards = [require_administrator]

    @get("/", sync_to_thread=False)
    def index(self) -> Redirect:
        return Redirect(PAGE)

    @get("/video-meetings")
    async def page(self, request: Request[Any, Any, Any], db_session: DbSession, settings: AppSettings) -> Template:
        return await self._render(request, db_session, settings)

    @post("/video-meetings/provider")
    async def choose(
        self, request: Request[Any, Any, Any], db_session: DbSession, settings: AppSettings, data: Form
    ) -> Template | Redirect:
        admin, tenant_id = _admin(request)
        try:
            connection = await choose_provider(
                db_session,
                settings=settings,
                tenant_id=tenant_id,
                provider=data.get("provider", ""),
                admin=admin.actor(),
            )
        except ConfigurationError as error:
            return await self._render(request, db_session, settings, error=str(error), status_code=HTTP_409_CONFLICT)
        return await self._done(request, db_session, settings, f"{display_name(connection.provider)} is now chosen.")

    @get("/video-meetings/disconnect")
    async def confirm_disconnect(self, request: Request[Any, Any, Any], db_session: DbSession) -> Template | Redirect:
        """The confirmation, as a page of its own when JavaScript (and with it the dialog) is off."""
        _, tenant_id = _admin(request)
        connection = await company_provider(db_session, tenant_id)
        if connection is None:
            return Redirect(PAGE, status_code=HTTP_303_SEE_OTHER)
        return Template("pages/disconnect.html", context=_base_context(request, connection=connection))

    @post("/video-meetings/disconnect")
    async def disconnect(
        self, request: Request[Any, Any, Any], db_session: DbSession, settings: AppSettings
    ) -> Template | Redirect:
        admin, tenant_id = _admin(request)
        removed = await disconnect_provider(db_session, tenant_id=tenant_id, admin=admin.actor())
        message = f"{display_name(removed)} is disconnected. Choose a provider to start over." if removed else None
        return await self._done(request, db_session, settings, message)

    async def _done(
        self, request: Request[Any, Any, Any], db_session: DbSession, settings: AppSettings, message: str | None
    ) -> Template | Redirect:
        # htmx swaps the section in place; a plain form post gets the page again by redirect (POST-redirect-GET).
        if wants_partial(request):
            return await self._render(request, db_session, settings, message=message)
        return Redirect(PAGE, status_code=HTTP_303_SEE_OTHER)

    async def _render(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        settings: AppSettings,
        *,
        message: str | None = None,
        error: str | None = None,
        status_code: int = 200,
    ) -> Template:
        _, tenant_id = _admin(request)
        context = _base_context(
            request,
            connection=await company_provider(db_session, tenant_id),
            options=provider_options(settings),
            message=message,
            error=error,
        )
        template = "partials/video_meetings.html" if wants_partial(request) else "pages/video_meetings.html"
        return Template(template, context=context, status_code=status_code)


def _base_context(request: Request[Any, Any, Any], **values: Any) -> dict[str, Any]:
    return {"user": current_user(request), "display_name": display_name, **values}
