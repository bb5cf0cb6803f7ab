"""OAuth clients registered with the Google emulator (as the Google Cloud console holds them)."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote_plus


@dataclass(frozen=True)
class GoogleClient:
    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]
    risc_receiver_url: str = ""
    """Where Cross-Account Protection (RISC) security events for this client's users are sent."""
    name: str = "Meetings for SuperOffice"

    def check_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(self.client_secret.encode(), client_secret.encode())


def authenticated_client(
    clients: Mapping[str, GoogleClient], form: Mapping[str, str], authorization: str
) -> GoogleClient | None:
    """The client named by HTTP Basic or by ``client_id``/``client_secret`` in the form (Google takes either)."""
    client_id, client_secret = form.get("client_id", ""), form.get("client_secret", "")
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() == "basic":
        try:
            user, _, password = base64.b64decode(encoded).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        # RFC 6749 2.3.1: both halves are form-encoded before they are joined.
        client_id, client_secret = unquote_plus(user), unquote_plus(password)
    client = clients.get(client_id)
    return client if client is not None and client.check_secret(client_secret) else None
