"""The emulator's RSA signing key (made once, kept in the data directory) and the JWTs it signs."""

from __future__ import annotations

import json
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Any

from joserfc import jwt
from joserfc.jwk import RSAKey


def load_or_create_key(path: Path) -> RSAKey:
    if path.exists():
        return _imported(path.read_text())
    path.parent.mkdir(parents=True, exist_ok=True)
    key = RSAKey.generate_key(2048, parameters={"kid": secrets.token_hex(20)}, private=True)
    path.write_text(json.dumps(key.as_dict(private=True)))
    path.chmod(0o600)
    return key


@lru_cache(maxsize=16)
def _imported(stored: str) -> RSAKey:
    """The key kept in a file's text: checking a private RSA key takes longer than starting the emulator's routes,
    and every sandbox start in one process (tests) reads the same file contents."""
    return RSAKey.import_key(json.loads(stored))


def public_jwks(key: RSAKey) -> dict[str, Any]:
    """``/oauth2/v3/certs``: the public half, as Google publishes its keys."""
    return {"keys": [{**key.as_dict(private=False), "use": "sig", "alg": "RS256"}]}


def sign(key: RSAKey, claims: dict[str, Any]) -> str:
    """An RS256 JWT whose ``kid`` names the key in the JWKS."""
    return jwt.encode({"alg": "RS256", "kid": key.kid or "", "typ": "JWT"}, claims, key)
