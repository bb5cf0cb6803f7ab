"""The provider adapters this instance can use, built from its settings (each with the one shared HTTP client)."""

from __future__ import annotations

import httpx

from backend.models import ProviderKind
from backend.providers.base import VideoProvider
from backend.providers.google_meet import GoogleMeetConfig, GoogleMeetProvider
from backend.providers.teams import TeamsConfig, TeamsProvider
from backend.providers.zoom import ZoomConfig, ZoomProvider
from backend.settings import Settings


def build_providers(settings: Settings, http: httpx.AsyncClient) -> dict[ProviderKind, VideoProvider]:
    """Adapters for the providers that have app credentials (the sandbox supplies them when it is on)."""
    providers: dict[ProviderKind, VideoProvider] = {}
    if settings.zoom_client_id and settings.zoom_client_secret:
        config = ZoomConfig(
            oauth_url=settings.zoom_url,
            api_url=settings.zoom_api_url,
            client_id=settings.zoom_client_id,
            client_secret=settings.zoom_client_secret.get_secret_value(),
            webhook_secret=settings.zoom_webhook_secret.get_secret_value() if settings.zoom_webhook_secret else "",
        )
        providers[ProviderKind.ZOOM] = ZoomProvider(config, http)
    if settings.teams_client_id and settings.teams_client_secret:
        teams = TeamsConfig(
            login_url=settings.teams_login_url,
            graph_url=settings.teams_graph_url,
            client_id=settings.teams_client_id,
            client_secret=settings.teams_client_secret.get_secret_value(),
        )
        providers[ProviderKind.TEAMS] = TeamsProvider(teams, http)
    if settings.google_client_id and settings.google_client_secret:
        google = GoogleMeetConfig(
            accounts_url=settings.google_accounts_url,
            oauth2_url=settings.google_oauth2_url,
            meet_url=settings.google_meet_url,
            client_id=settings.google_client_id,
            client_secret=settings.google_client_secret.get_secret_value(),
        )
        providers[ProviderKind.GOOGLE_MEET] = GoogleMeetProvider(google, http)
    return providers
