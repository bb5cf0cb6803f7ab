"""Applications registered with the Microsoft emulator (as an Entra app registration holds them)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass


@dataclass(frozen=True)
class MicrosoftApp:
    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]
    name: str = "Meetings for SuperOffice"
    permissions: tuple[str, ...] = ("User.Read", "OnlineMeetings.ReadWrite")
    """The registration's configured API permissions: what the scope ``.default`` stands for."""

    def check_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(self.client_secret.encode(), client_secret.encode())
