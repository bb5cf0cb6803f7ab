"""The provider adapters this instance can use, built from its settings (each with the one shared HTTP client)."""

from __future__ import annotations

import httpx

from backend.models import ProviderKind
from backend.providers.base import VideoProvider
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
    return providers
