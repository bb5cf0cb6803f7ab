from pathlib import Path

import httpx

from backend.models import ProviderKind
from backend.providers.registry import build_providers
from backend.providers.zoom import ZoomConfig, ZoomProvider
from backend.services.configuration import provider_options
from backend.settings import Settings

REAL_SUPEROFFICE = {
    "secret_key": "k" * 40,
    "sandbox": False,
    "superoffice_url": "https://online.superoffice.com",
    "superoffice_client_id": "id",
    "superoffice_client_secret": "secret",
}


def test_a_provider_without_an_adapter_is_shown_unavailable_with_the_reason(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, **REAL_SUPEROFFICE, zoom_client_id="z", zoom_client_secret="s")
    zoom = ZoomProvider(ZoomConfig("https://zoom.us", "https://api.zoom.us/v2", "z", "s"), httpx.AsyncClient())

    options = {o.name: o for o in provider_options(settings, {ProviderKind.ZOOM: zoom})}

    assert options["Zoom"].available
    assert not options["Microsoft Teams"].available
    assert "MEETINGS_TEAMS_CLIENT_ID and MEETINGS_TEAMS_CLIENT_SECRET" in options["Microsoft Teams"].reason
    assert not options["Google Meet"].available


def test_with_the_sandbox_every_provider_can_be_chosen(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, secret_key="k" * 40)

    adapters = build_providers(settings, httpx.AsyncClient())

    assert set(adapters) == {ProviderKind.ZOOM, ProviderKind.TEAMS, ProviderKind.GOOGLE_MEET}
    assert all(option.available for option in provider_options(settings, adapters))


def test_beside_a_real_provider_the_sandbox_offers_no_emulated_ones(tmp_path: Path) -> None:
    # Kept on on purpose (to try real Zoom against the demo CRM), the sandbox must not offer its Teams and Meet to
    # an administrator next to a real provider: meetings made there would lead nowhere.
    settings = Settings(
        data_dir=tmp_path, secret_key="k" * 40, sandbox=True, zoom_client_id="z", zoom_client_secret="s"
    )

    adapters = build_providers(settings, httpx.AsyncClient())
    options = {o.name: o for o in provider_options(settings, adapters)}

    assert set(adapters) == {ProviderKind.ZOOM}
    assert options["Zoom"].available
    assert not options["Microsoft Teams"].available
    assert not options["Google Meet"].available


def test_with_the_sandbox_turned_off_by_real_services_only_real_providers_are_offered(tmp_path: Path) -> None:
    real_superoffice = {key: value for key, value in REAL_SUPEROFFICE.items() if key != "sandbox"}
    settings = Settings(data_dir=tmp_path, **real_superoffice, google_client_id="g", google_client_secret="s")

    adapters = build_providers(settings, httpx.AsyncClient())

    assert settings.sandbox is False
    assert set(adapters) == {ProviderKind.GOOGLE_MEET}
    assert [o.name for o in provider_options(settings, adapters) if o.available] == ["Google Meet"]
