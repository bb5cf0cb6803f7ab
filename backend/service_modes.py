"""Which outside services an instance uses for real, which its sandbox emulates, and which are not configured; and
whether the sandbox may stay on beside real ones.

One reading of the settings for everyone who asks: the settings themselves (beside a real service the sandbox turns
itself off), ``meetings serve``'s banner, and the command when it registers our apps on the sandbox's emulators.
"""

from __future__ import annotations

import ipaddress
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from backend.settings import Settings

ZOOM_URL = "https://zoom.us"
TEAMS_LOGIN_URL = "https://login.microsoftonline.com"
GOOGLE_ACCOUNTS_URL = "https://accounts.google.com"
SMTP_PORT = 587


class Service(StrEnum):
    """The outside services an instance talks to, by the names people know them by."""

    SUPEROFFICE = "SuperOffice"
    ZOOM = "Zoom"
    TEAMS = "Microsoft Teams"
    GOOGLE_MEET = "Google Meet"
    MAIL = "Mail"


class ServiceMode(StrEnum):
    REAL = "real"
    EMULATED = "emulated by the sandbox"
    NOT_CONFIGURED = "not configured"


def service_address(settings: Settings, service: Service) -> str:
    """Where the instance reaches ``service`` (a provider by its sign-in host); empty when it is not configured."""
    match service:
        case Service.SUPEROFFICE:
            return settings.superoffice_url
        case Service.ZOOM:
            return (settings.zoom_url or ZOOM_URL) if settings.zoom_client_id else ""
        case Service.TEAMS:
            return (settings.teams_login_url or TEAMS_LOGIN_URL) if settings.teams_client_id else ""
        case Service.GOOGLE_MEET:
            return (settings.google_accounts_url or GOOGLE_ACCOUNTS_URL) if settings.google_client_id else ""
    return f"{settings.smtp_host}:{settings.smtp_port or SMTP_PORT}" if settings.smtp_host else ""


def service_mode(settings: Settings, service: Service) -> ServiceMode:
    """Whether ``service`` is real, emulated by this instance's sandbox, or not configured.

    Reads the values as given as well as the derived ones: the settings decide with it whether the sandbox stays on.
    """
    address = service_address(settings, service)
    if not address:
        return ServiceMode.NOT_CONFIGURED
    if service is Service.MAIL:
        emulated = settings.smtp_host == settings.host and settings.smtp_port == settings.sandbox_smtp_port
    else:
        emulated = f"{address}/".startswith(f"{settings.sandbox_url}/")
    return ServiceMode.EMULATED if settings.sandbox and emulated else ServiceMode.REAL


def real_services(settings: Settings) -> list[Service]:
    """The services configured for real: beside any of them the sandbox is off, or on by request and on loopback."""
    return [service for service in Service if service_mode(settings, service) is ServiceMode.REAL]


def sandbox_stays_on(settings: Settings, real: list[Service], *, asked: bool) -> bool:
    """Whether the sandbox is on, given the services configured for ``real`` and whether it was ``asked`` for.

    ValueError when it was asked for beside real services but would listen beyond this computer.
    """
    # Beside a real service the sandbox's emulators stand where real services belong (its mail sink would catch real
    # people's invitations), and an operator who configured one is running for real. On by default, it turns itself
    # off there; asked for explicitly (to try one real service against the demo CRM), it stays on this computer.
    if not real or not settings.sandbox:
        return settings.sandbox
    if not asked:
        return False
    if not is_loopback(settings.host):
        raise ValueError(
            f"The sandbox is on beside real services ({', '.join(real)}), so it listens on this computer only: "
            f"MEETINGS_HOST (or serve --host) must be a loopback address such as 127.0.0.1, not {settings.host}; "
            "or turn the sandbox off (MEETINGS_SANDBOX=false)"
        )
    return True


def why_the_sandbox_is_off(real: list[Service], *, asked: bool) -> str:
    """The reason to add to an error that needs the sandbox, when the sandbox turned itself off."""
    if not real or asked:
        return ""
    verb = "is" if len(real) == 1 else "are"
    return (
        f" (it turned itself off because {', '.join(real)} {verb} configured for real; MEETINGS_SANDBOX=true keeps it"
        " on, on this computer only)"
    )


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this computer only (``localhost``, ``127.0.0.0/8``, ``::1``)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
