"""Keys derived from the instance secret; later also token encryption and signed extension tokens."""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def derive_key(secret: str, purpose: str, length: int = 32) -> bytes:
    """A key for one purpose (sessions, CSRF, ...) from the instance secret, so one leak is not all leaks."""
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=purpose.encode()).derive(secret.encode())
