"""The backend and the sandbox served for real on free ports of 127.0.0.1, for as long as a test needs them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from backend.cli import build_sites
from backend.server import bind_socket, serving_in_background
from backend.settings import Settings


@dataclass(frozen=True)
class LiveServers:
    settings: Settings

    @property
    def backend_url(self) -> str:
        return self.settings.public_url

    @property
    def sandbox_url(self) -> str:
        return self.settings.sandbox_url


@contextmanager
def live_servers(settings: Settings) -> Iterator[LiveServers]:
    backend_sock = bind_socket("127.0.0.1", 0)
    sandbox_sock = bind_socket("127.0.0.1", 0)
    smtp_sock = bind_socket("127.0.0.1", 0)
    # Everything derived from the ports is derived again for the ports actually bound.
    derived = {
        "port",
        "sandbox_port",
        "sandbox_smtp_port",
        "public_url",
        "sandbox_url",
        "host",
        "superoffice_url",
        "zoom_url",
        "zoom_api_url",
        "teams_login_url",
        "teams_graph_url",
        "google_accounts_url",
        "google_oauth2_url",
        "google_meet_url",
    }
    if settings.sandbox:
        derived |= {"superoffice_client_id", "superoffice_client_secret"}
        derived |= {"zoom_client_id", "zoom_client_secret", "zoom_webhook_secret"}
        derived |= {"teams_client_id", "teams_client_secret", "google_client_id", "google_client_secret"}
        if settings.smtp_port == settings.sandbox_smtp_port:  # the sandbox's mail sink, not a test's own server
            derived |= {"smtp_host", "smtp_port", "smtp_starttls", "smtp_from"}
    bound = Settings(
        **settings.model_dump(exclude=derived),
        host="127.0.0.1",
        port=backend_sock.getsockname()[1],
        sandbox_port=sandbox_sock.getsockname()[1],
        sandbox_smtp_port=smtp_sock.getsockname()[1],
    )
    with serving_in_background(build_sites(bound, backend_sock, sandbox_sock, smtp_sock)):
        yield LiveServers(bound)
