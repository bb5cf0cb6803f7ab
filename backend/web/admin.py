"""The administrator's *Video meetings* configuration page (server-rendered; htmx swaps its section)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import URLEncodedBody
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_400_BAD_REQUEST, HTTP_409_CONFLICT
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.crm.web_panel_registry import panel_url
from backend.models import ProviderKind, Tenant
from backend.providers.catalogue import display_name
from backend.services.activity import latest_company_event
from backend.services.configuration import (
    ConfigurationError,
    checked_company_provider,
    choosable,
    company_provider,
    disconnect_company,
    ensure_connectable,
    provider_options,
    save_company_setting,
)
from backend.services.crm_web_panels import company_web_panel, show_web_panel
from backend.services.crm_webhooks import company_webhook, current_webhook, repair_webhook, target_url_for
from backend.services.invitations import (
    MODES,
    VARIABLES,
    TemplateError,
    check_template,
    render,
    sample_values,
    save_invitation_settings,
    template_of,
)
from backend.web.connect import COMPANY, begin_authorization
from backend.web.dependencies import AppSettings, Cipher, Crm, DbSession, Providers
from backend.web.forms import InvitationsForm, PreviewForm, ProviderForm, SettingForm, WebPanelForm
from backend.web.htmx import wants_partial
from backend.web.session_user import SignedInUser, current_user, require_administrator

PAGE = "/admin/video-meetings"


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
    async def page(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        settings: AppSettings,
        providers: Providers,
        crm: Crm,
        cipher: Cipher,
    ) -> Template:
        admin, tenant_id = _admin(request)
        tenant = await _company(db_session, tenant_id)
        await checked_company_provider(db_session, cipher, tenant_id)
        webhook = await current_webhook(db_session, crm, tenant=tenant, associate_id=admin.associate_id)
        return await self._render(request, db_session, settings, providers, webhook=webhook)

    @post("/video-meetings/webhook/repair")
    async def repair(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        settings: AppSettings,
        providers: Providers,
        crm: Crm,
    ) -> Template | Redirect:
        """Save the company's SuperOffice webhook as Active again (after TooManyErrors), or register it anew."""
        admin, tenant_id = _admin(request)
        tenant = await _company(db_session, tenant_id)
        webhook = await repair_webhook(db_session, crm, target_url_for(settings.public_url), tenant=tenant,
                                       associate_id=admin.associate_id)  # fmt: skip
        message = "The SuperOffice webhook is Active again." if not webhook.last_error else None
        return await self._done(request, db_session, settings, providers, message)

    @post("/video-meetings/web-panel")
    async def web_panel(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        settings: AppSettings,
        providers: Providers,
        crm: Crm,
        data: URLEncodedBody[WebPanelForm],
    ) -> Template | Redirect:
        """Show the "Video meeting" web panel in SuperOffice's follow-up dialog, or take it out (saved there now)."""
        admin, tenant_id = _admin(request)
        tenant = await _company(db_session, tenant_id)
        shown = data.shown == "yes"
        panel = await show_web_panel(db_session, crm, panel_url(settings.public_url), tenant=tenant,
                                     associate_id=admin.associate_id, shown=shown)  # fmt: skip
        message = None
        if not panel.last_error:
            message = (
                "The Video meeting tab is in SuperOffice's follow-up dialog."
                if shown
                else "The Video meeting tab was taken out of SuperOffice's follow-up dialog."
            )
        return await self._done(request, db_session, settings, providers, message)

    @post("/video-meetings/provider")
    async def choose(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        settings: AppSettings,
        providers: Providers,
        data: URLEncodedBody[ProviderForm],
    ) -> Template | Redirect:
        """Choosing a provider means authorizing it: off to the provider, back at ``/connect/.../callback``."""
        admin, tenant_id = _admin(request)
        try:
            adapter = choosable(data.provider, settings, providers)
            await ensure_connectable(db_session, tenant_id, adapter.kind)
        except ConfigurationError as error:
            return await self._render(
                request, db_session, settings, providers, error=str(error), status_code=HTTP_409_CONFLICT
            )
        return begin_authorization(request, settings, adapter, purpose=COMPANY, user=admin)

    @post("/video-meetings/setting")
    async def setting(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        settings: AppSettings,
        providers: Providers,
        data: URLEncodedBody[SettingForm],
    ) -> Template | Redirect:
        """Save the provider's company setting (Zoom: the passcode), or offer a generated one first."""
        admin, tenant_id = _admin(request)
        connection = await company_provider(db_session, tenant_id)
        adapter = providers.get(ProviderKind(connection.provider)) if connection else None
        if connection is None or adapter is None:
            return Redirect(PAGE, status_code=HTTP_303_SEE_OTHER)
        if data.action == "generate":
            proposal = adapter.generate_company_setting()
            return await self._render(request, db_session, settings, providers, proposal=proposal)
        try:
            await save_company_setting(
                db_session, tenant_id=tenant_id, provider=adapter, value=data.value, admin=admin.actor()
            )
        except ConfigurationError as error:
            return await self._render(
                request, db_session, settings, providers, setting_error=str(error), proposal=data.value,
                status_code=HTTP_400_BAD_REQUEST,
            )  # fmt: skip
        return await self._done(request, db_session, settings, providers, f"{adapter.company_setting.label} saved.")

    @post("/video-meetings/invitations")
    async def invitations(
        self, request: Request[Any, Any, Any], db_session: DbSession, settings: AppSettings, providers: Providers,
        data: URLEncodedBody[InvitationsForm],
    ) -> Template | Redirect:  # fmt: skip
        """Save the invitation mode and template (a wrong template is explained, and kept in the form)."""
        admin, tenant_id = _admin(request)
        tenant = await _company(db_session, tenant_id)
        mode, template = data.mode, data.template
        try:
            await save_invitation_settings(db_session, tenant, mode=mode, template=template, admin=admin.actor())
        except TemplateError as error:
            problem = {"invitation_error": str(error), "draft_mode": mode, "draft_template": template}
            return await self._render(
                request, db_session, settings, providers, status_code=HTTP_400_BAD_REQUEST, **problem
            )
        return await self._done(request, db_session, settings, providers, "Invitation settings saved.")

    @post("/video-meetings/invitations/preview")
    async def invitation_preview(self, data: URLEncodedBody[PreviewForm]) -> Template:
        """The live preview: the template filled in with a sample appointment, or what is wrong with it."""
        return Template("partials/invitation_preview.html", context=_preview(data.template))

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
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        settings: AppSettings,
        providers: Providers,
        cipher: Cipher,
    ) -> Template | Redirect:
        admin, tenant_id = _admin(request)
        removed = await disconnect_company(
            db_session, tenant_id=tenant_id, admin=admin.actor(), adapters=providers, cipher=cipher
        )
        message = f"{display_name(removed)} is disconnected. Choose a provider to start over." if removed else None
        return await self._done(request, db_session, settings, providers, message)

    async def _done(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        settings: AppSettings,
        providers: Providers,
        message: str | None,
    ) -> Template | Redirect:
        # htmx swaps the section in place; a plain form post gets the page again by redirect (POST-redirect-GET).
        if wants_partial(request):
            return await self._render(request, db_session, settings, providers, message=message)
        return Redirect(PAGE, status_code=HTTP_303_SEE_OTHER)

    async def _render(
        self,
        request: Request[Any, Any, Any],
        db_session: DbSession,
        settings: AppSettings,
        providers: Providers,
        *,
        status_code: int = 200,
        **values: Any,
    ) -> Template:
        _, tenant_id = _admin(request)
        connection = await company_provider(db_session, tenant_id)
        adapter = providers.get(ProviderKind(connection.provider)) if connection else None
        tenant = await _company(db_session, tenant_id)
        draft = values.pop("draft_template", None)
        webhook = values.pop("webhook", None) or await company_webhook(db_session, tenant_id)
        context = _base_context(
            request,
            invitation_mode=values.pop("draft_mode", None) or tenant.invitation_mode,
            invitation_template=draft if draft is not None else template_of(tenant),
            variables=VARIABLES,
            modes=MODES,
            **_preview(draft if draft is not None else template_of(tenant)),
            connection=connection,
            webhook=webhook,
            web_panel=await company_web_panel(db_session, tenant_id),
            setting=adapter.company_setting if adapter else None,
            options=provider_options(settings, providers),
            last_event=await latest_company_event(db_session, tenant_id),
            mail_sender=settings.smtp_from if settings.sends_mail else "",
            mailbox_url=f"{settings.sandbox_url}/mailbox" if settings.uses_sandbox_mailbox else "",
            **values,
        )
        template = "partials/video_meetings.html" if wants_partial(request) else "pages/video_meetings.html"
        return Template(template, context=context, status_code=status_code)


async def _company(db: AsyncSession, tenant_id: int) -> Tenant:
    tenant = await db.get(Tenant, tenant_id)
    assert tenant is not None  # the signed-in administrator's company exists: sign-in made it
    return tenant


def _preview(template: str) -> dict[str, str]:
    try:
        check_template(template)
    except TemplateError as error:
        return {"preview": "", "preview_error": str(error)}
    return {"preview": render(template, sample_values()), "preview_error": ""}


def _base_context(request: Request[Any, Any, Any], **values: Any) -> dict[str, Any]:
    return {"user": current_user(request), "display_name": display_name, **values}
