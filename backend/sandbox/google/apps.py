"""OAuth clients registered with the Google emulator (as the Google Cloud console holds them)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass


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
