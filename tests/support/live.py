"""The backend and the sandbox served for real on free ports of 127.0.0.1, for as long as a test needs them."""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from backend.cli import build_sites
from backend.sandbox.google.keys import load_or_create_key
from backend.sandbox.superoffice import signing_keys
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
    if bound.sandbox:
        _seed_signing_keys(bound.data_dir / "sandbox")
    with serving_in_background(build_sites(bound, backend_sock, sandbox_sock, smtp_sock)):
        yield LiveServers(bound)


@functools.cache
def _signing_keys() -> Path:
    """The sandbox's three RSA signing keys, made once per test process rather than at every start (each start
    would make them anew, a good part of a short test's time); every test's sandbox gets its own copy."""
    folder = Path(tempfile.mkdtemp(prefix="meetings-sandbox-keys-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    load_or_create_key(folder / "google_signing_key.json")
    signing_keys.load_or_create(folder / "superoffice_signing.json", "SuperOfficeFederatedLogin")
    signing_keys.load_or_create(folder / "superoffice_next_signing.json", "SuperOfficeNext")
    return folder


def _seed_signing_keys(sandbox_dir: Path) -> None:
    sandbox_dir.mkdir(parents=True, exist_ok=True)
    for made in _signing_keys().iterdir():
        if not (sandbox_dir / made.name).exists():  # a test's own key stays
            shutil.copy2(made, sandbox_dir / made.name)
