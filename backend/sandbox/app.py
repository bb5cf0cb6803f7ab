"""``create_sandbox_app(config)``: the emulators on one app, served on the sandbox port."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from litestar import Litestar
from litestar.middleware.session.client_side import CookieBackendConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from backend.sandbox import faults
from backend.sandbox.faults import Faults
from backend.sandbox.google import routes as google_routes
from backend.sandbox.google.apps import GoogleClient
from backend.sandbox.google.store import GoogleStore
from backend.sandbox.loopback import LoopbackOnlyControls
from backend.sandbox.mailbox import pages as mailbox_pages
from backend.sandbox.mailbox.smtp import start_smtp
from backend.sandbox.mailbox.store import MailStore
from backend.sandbox.microsoft import routes as microsoft_routes
from backend.sandbox.microsoft.apps import MicrosoftApp
from backend.sandbox.microsoft.store import MicrosoftStore
from backend.sandbox.superoffice import control as superoffice_control
from backend.sandbox.superoffice import oidc as oidc_routes
from backend.sandbox.superoffice import web_panel_api, webapi, webclient, webhook_api
from backend.sandbox.superoffice.oidc_server import SandboxAuthorizationServer
from backend.sandbox.superoffice.oidc_store import OAuthClient, OidcStore
from backend.sandbox.superoffice.store import AppointmentStore
from backend.sandbox.superoffice.web_panel_store import WebPanelStore
from backend.sandbox.superoffice.webhook_store import WebhookStore
from backend.sandbox.superoffice.webhooks import DeliveryTiming
from backend.sandbox.zoom import api as zoom_api
from backend.sandbox.zoom import control as zoom_control
from backend.sandbox.zoom import oauth as zoom_oauth
from backend.sandbox.zoom import pages as zoom_pages
from backend.sandbox.zoom.apps import ZoomApp
from backend.sandbox.zoom.store import ZoomStore

SUPEROFFICE_DIR = Path(__file__).parent / "superoffice"
ZOOM_DIR = Path(__file__).parent / "zoom"
MAILBOX_DIR = Path(__file__).parent / "mailbox"
MICROSOFT_DIR = Path(__file__).parent / "microsoft"
GOOGLE_DIR = Path(__file__).parent / "google"
EMULATOR_DIRS = (SUPEROFFICE_DIR, ZOOM_DIR, MAILBOX_DIR, MICROSOFT_DIR, GOOGLE_DIR)


@dataclass(frozen=True)
class SandboxConfig:
    """What the sandbox needs to know; handed over by whoever serves it (it reads no product settings)."""

    data_dir: Path
    """Where the emulators keep their state (the CRM's appointments)."""
    public_url: str
    """The sandbox's own URL as browsers see it."""
    backend_url: str
    """The meetings backend (for the CRM's Configure button and its webhooks)."""
    session_secret: bytes
    """32 bytes that sign the emulated CRM's sign-in cookie."""
    superoffice_clients: tuple[OAuthClient, ...] = ()
    """Applications registered for sign-in with the emulated SuperOffice (the meetings backend)."""
    zoom_apps: tuple[ZoomApp, ...] = ()
    """OAuth apps registered on the emulated Zoom Marketplace (the meetings backend's)."""
    microsoft_apps: tuple[MicrosoftApp, ...] = ()
    """App registrations on the emulated Microsoft identity platform (the meetings backend's, for Teams)."""
    google_clients: tuple[GoogleClient, ...] = ()
    """OAuth clients registered with the emulated Google (the meetings backend's, for Meet)."""
    smtp_socket: socket.socket | None = None
    """A bound socket for the mail sink's SMTP server (what it receives is shown at ``/mailbox``)."""


def create_sandbox_app(config: SandboxConfig) -> Litestar:
    store = AppointmentStore(config.data_dir / "superoffice.sqlite3")
    oidc = SandboxAuthorizationServer(OidcStore(config.data_dir, config.superoffice_clients), config.public_url)
    faults_switches = Faults()
    mail_store = MailStore(config.data_dir / "mailbox.sqlite3")

    @asynccontextmanager
    async def mail_sink(_: Litestar) -> AsyncIterator[None]:
        if config.smtp_socket is None:
            yield
            return
        server = await start_smtp(config.smtp_socket, mail_store, faults_switches)
        try:
            yield
        finally:
            server.close()
            await server.wait_closed()

    app = Litestar(
        route_handlers=[
            *webclient.ROUTES,
            *webapi.ROUTES,
            *webhook_api.ROUTES,
            *web_panel_api.ROUTES,
            *superoffice_control.ROUTES,
            *oidc_routes.ROUTES,
            *zoom_oauth.ROUTES,
            *zoom_api.ROUTES,
            *zoom_pages.ROUTES,
            *zoom_control.ROUTES,
            *faults.ROUTES,
            *mailbox_pages.ROUTES,
            *microsoft_routes.ROUTES,
            *google_routes.ROUTES,
            create_static_files_router(path="/static", directories=[d / "static" for d in EMULATOR_DIRS]),
        ],
        exception_handlers={
            webapi.SuperOfficeError: webapi.superoffice_error_response,
            zoom_api.ZoomError: zoom_api.zoom_error_response,
            **microsoft_routes.EXCEPTION_HANDLERS,
            **google_routes.EXCEPTION_HANDLERS,
        },
        template_config=TemplateConfig(
            directory=[d / "templates" for d in EMULATOR_DIRS],
            engine=JinjaTemplateEngine,
        ),
        middleware=[
            # First, so a refused request reaches nothing else (not even the session cookie's decoding).
            LoopbackOnlyControls(),
            CookieBackendConfig(
                secret=config.session_secret,
                key="so_session",
                httponly=True,
                samesite="lax",
                max_age=12 * 3600,
            ).middleware,
        ],
        lifespan=[mail_sink],
        debug=False,
    )
    app.state.appointments = store
    app.state.webhooks = WebhookStore(config.data_dir / "superoffice_webhooks.sqlite3")
    app.state.webhook_timing = DeliveryTiming()
    app.state.web_panels = WebPanelStore(config.data_dir / "superoffice_web_panels.sqlite3")
    app.state.config = config
    app.state.oidc = oidc
    app.state.zoom = ZoomStore(config.data_dir)
    app.state.zoom_apps = {zoom_app.client_id: zoom_app for zoom_app in config.zoom_apps}
    app.state.faults = faults_switches
    app.state.mailbox = mail_store
    app.state.microsoft = MicrosoftStore(config.data_dir)
    app.state.microsoft_apps = {registered.client_id: registered for registered in config.microsoft_apps}
    app.state.google = GoogleStore(config.data_dir)
    app.state.google_clients = {registered.client_id: registered for registered in config.google_clients}
    return app
