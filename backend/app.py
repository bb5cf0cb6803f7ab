"""``create_app(settings)``: the Litestar application, wired from one Settings object."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException, ValidationException
from litestar.logging.config import LoggingConfig
from litestar.plugins.htmx import HTMXPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from backend import PROJECT_ROOT
from backend.crm.superoffice import SignInError, SuperOfficeSignIn
from backend.crm.web_panel_registry import panel_url
from backend.db import create_engine, provide_session, session_factory
from backend.http import http_client
from backend.mail import MailServer
from backend.metrics import metrics_config, metrics_controller
from backend.models import ProviderKind
from backend.providers.base import ProviderError, VideoProvider
from backend.providers.registry import build_providers
from backend.security import TokenCipher, derive_key, extension_tokens, panel_sessions, panel_sign_in_codes
from backend.services import crm_events, crm_web_panels, crm_webhooks, crm_writeback, invitation_mail
from backend.services.configuration import ConfigurationError
from backend.services.crm_grants import CrmAccess
from backend.services.invitation_mail import MailCollaborators
from backend.services.jobs import RetryPolicy, run_worker
from backend.services.meetings import Collaborators, MeetingNotFound
from backend.services.tokens import ReconnectNeeded
from backend.session_store import session_store
from backend.settings import Settings
from backend.web import auth, connect, errors, panel, selfservice
from backend.web.activity import ActivityController
from backend.web.admin import VideoMeetingsController
from backend.web.api import MeetingsController, extension_settings, send_renewed_token
from backend.web.extension import connect_extension
from backend.web.health import healthz, readyz
from backend.web.pages import home
from backend.web.request_ids import log_records_carry_request_ids, request_ids
from backend.web.security_headers import security_headers
from backend.web.session_user import AdministratorRequired, SignInRequired
from backend.web.sessions import SESSION_STORE, session_config
from backend.web.users import ManageUsersController
from backend.web.webhooks import provider_webhook, superoffice_webhook

EXPECTED_ERRORS: set[int | type[Exception]] = {
    400, 401, 403, 404, 405, 409,
    NotAuthorizedException, PermissionDeniedException, ValidationException, SignInRequired, AdministratorRequired,
    SignInError, ConfigurationError, ReconnectNeeded, ProviderError, MeetingNotFound,
}  # fmt: skip
CSRF_COOKIE = "meetings_csrf"


def mail_server(settings: Settings) -> MailServer | None:
    """The mail server for invitation e-mails; None when none is configured (and no sandbox)."""
    if not settings.sends_mail:
        return None
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
    return MailServer(
        host=settings.smtp_host, port=settings.smtp_port, starttls=bool(settings.smtp_starttls),
        user=settings.smtp_user, password=password,
    )  # fmt: skip


LOG_FORMAT = "%(levelname)s - %(asctime)s - %(name)s - %(request_id)s - %(message)s"


def create_app(settings: Settings) -> Litestar:
    """Build the meetings service for ``settings``; tests build their own from their own settings."""
    log_records_carry_request_ids()

    @asynccontextmanager
    async def database(app: Litestar) -> AsyncIterator[None]:
        engine = create_engine(settings)
        app.state.engine = engine
        app.state.sessions = session_factory(engine)
        try:
            yield
        finally:
            await engine.dispose()

    @asynccontextmanager
    async def provider_clients(app: Litestar) -> AsyncIterator[None]:
        # One HTTP client for every provider call: shared connection pool, one timeout policy.
        async with http_client(timeout=settings.provider_timeout_seconds) as http:
            app.state.providers = build_providers(settings, http)
            app.state.http = http
            app.state.crm = CrmAccess(
                sessions=app.state.sessions, signin=app.state.superoffice, cipher=cipher, http=http
            )
            yield

    @asynccontextmanager
    async def job_worker(app: Litestar) -> AsyncIterator[None]:
        # The outbox's worker: runs due jobs (invitation e-mails, following the CRM) in the background of this process.
        mail = MailCollaborators(
            sessions=app.state.sessions, signin=app.state.superoffice, cipher=cipher, http=app.state.http,
            server=mail_server(settings), sender=settings.smtp_from,
        )  # fmt: skip
        meetings = Collaborators(sessions=app.state.sessions, adapters=app.state.providers, cipher=cipher)
        functions = {
            invitation_mail.JOB_KIND: invitation_mail.job_function(mail),
            crm_events.JOB_KIND: crm_events.job_function(meetings, mail.crm),
            crm_writeback.JOB_KIND: crm_writeback.job_function(mail.crm),
            **crm_webhooks.job_functions(mail.crm, crm_webhooks.target_url_for(settings.public_url)),
            **crm_web_panels.job_functions(mail.crm, panel_url(settings.public_url)),
        }
        policy = RetryPolicy(first_wait_seconds=settings.job_retry_seconds, max_attempts=settings.job_max_attempts)
        worker = asyncio.create_task(
            run_worker(app.state.sessions, functions, policy, poll_seconds=settings.job_poll_seconds)
        )
        app.state.job_worker = worker  # /readyz says whether it still runs
        try:
            yield
        finally:
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker

    def provide_settings() -> Settings:
        return settings

    def provide_cipher() -> TokenCipher:
        return cipher

    def provide_providers(state: State) -> dict[ProviderKind, VideoProvider]:
        return state.providers

    def provide_crm(state: State) -> CrmAccess:
        return state.crm

    cipher = TokenCipher.for_settings(settings)

    secure_cookies = settings.public_url.startswith("https://")
    app = Litestar(
        route_handlers=[
            healthz,
            readyz,
            home,
            *auth.ROUTES,
            *connect.ROUTES,
            connect_extension,
            MeetingsController,
            extension_settings,
            provider_webhook,
            superoffice_webhook,
            VideoMeetingsController,
            ManageUsersController,
            ActivityController,
            *selfservice.ROUTES,
            *panel.ROUTES,
            create_static_files_router(path="/static", directories=[PROJECT_ROOT / "static"]),
            metrics_controller(settings.metrics_networks),
        ],
        lifespan=[database, provider_clients, job_worker],
        dependencies={
            "settings": Provide(provide_settings, use_cache=True, sync_to_thread=False),
            "db_session": Provide(provide_session),
            "cipher": Provide(provide_cipher, use_cache=True, sync_to_thread=False),
            "providers": Provide(provide_providers, sync_to_thread=False),
            "crm": Provide(provide_crm, sync_to_thread=False),
        },
        exception_handlers=errors.HANDLERS,
        before_send=[send_renewed_token],
        stores={SESSION_STORE: session_store(settings, lambda: app.state.sessions)},
        plugins=[HTMXPlugin()],
        template_config=TemplateConfig(directory=PROJECT_ROOT / "templates", engine=JinjaTemplateEngine),
        csrf_config=CSRFConfig(
            secret=derive_key(settings.secret, "csrf").hex(),
            cookie_name=CSRF_COOKIE,
            cookie_secure=secure_cookies,
            cookie_httponly=True,  # pages carry the token themselves (form field, htmx header)
            cookie_samesite="lax",
            # The extension's API and the web panel authenticate with bearer tokens, webhooks with signatures: no
            # cookies, no CSRF.
            exclude=["/api/", "/webhooks/", "/panel/"],
        ),
        middleware=[
            request_ids,
            metrics_config().middleware,
            security_headers(secure_cookies),
            session_config(secure=secure_cookies).middleware,
        ],
        # Every error is logged; the expected ones (answered with a clear 4xx) without a stack trace.
        logging_config=LoggingConfig(
            log_exceptions="always",
            disable_stack_trace=EXPECTED_ERRORS,
            formatters={"standard": {"format": LOG_FORMAT}},
        ),
        debug=False,
    )
    app.state.public_url = settings.public_url
    app.state.extension_tokens = extension_tokens(settings.secret)
    app.state.panel_sessions = panel_sessions(settings.secret)
    app.state.panel_sign_in_codes = panel_sign_in_codes(settings.secret)
    app.state.superoffice = SuperOfficeSignIn(
        issuer=settings.superoffice_url,
        client_id=settings.superoffice_client_id,
        client_secret=settings.superoffice_secret,
        redirect_uri=settings.auth_callback_url,
    )
    return app
