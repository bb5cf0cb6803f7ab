"""The video providers an administrator can choose, as the configuration page presents them."""

from __future__ import annotations

from dataclasses import dataclass

from backend.models import ProviderKind


@dataclass(frozen=True)
class ProviderInfo:
    kind: ProviderKind
    name: str
    description: str
    settings_prefix: str
    """Environment variable prefix of the provider's app credentials, e.g. ``MEETINGS_ZOOM``."""


CHOOSABLE = (
    ProviderInfo(ProviderKind.ZOOM, "Zoom", "Zoom meetings with a company passcode.", "MEETINGS_ZOOM"),
    ProviderInfo(
        ProviderKind.TEAMS, "Microsoft Teams", "Teams online meetings from Microsoft 365 accounts.", "MEETINGS_TEAMS"
    ),
    ProviderInfo(
        ProviderKind.GOOGLE_MEET, "Google Meet", "Meet links from Google Workspace accounts.", "MEETINGS_GOOGLE"
    ),
)
BY_KIND = {info.kind: info for info in CHOOSABLE}


def display_name(kind: str) -> str:
    """The provider's name for people ("Microsoft Teams"), for any kind, choosable or not."""
    info = BY_KIND.get(kind)  # type: ignore[call-overload]  (a StrEnum key matches its plain string)
    return info.name if info else str(kind)
