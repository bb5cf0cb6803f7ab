"""What every emulated OAuth token endpoint reads the same way: the form, HTTP Basic client credentials, PKCE."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import parse_qs, unquote_plus

from authlib.oauth2.rfc7636.challenge import compare_plain_code_challenge, compare_s256_code_challenge
from litestar import Request


async def form_fields(request: Request[Any, Any, Any]) -> dict[str, str]:
    """The form-encoded body, first value of each field."""
    values = parse_qs((await request.body()).decode("utf-8", errors="replace"))
    return {key: items[0] for key, items in values.items() if items}


def basic_credentials(authorization: str) -> tuple[str, str] | None:
    """``(client_id, client_secret)`` from an HTTP Basic header (form-encoded, RFC 6749 2.3.1), or None."""
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        client_id, _, client_secret = base64.b64decode(encoded).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return unquote_plus(client_id), unquote_plus(client_secret)


def pkce_ok(challenge: str | None, method: str | None, verifier: str | None) -> bool:
    """Whether the verifier matches the code's challenge (RFC 7636; no challenge: nothing to check)."""
    if not challenge:
        return True
    if not verifier:
        return False
    if method == "S256":
        return compare_s256_code_challenge(verifier, challenge)
    return compare_plain_code_challenge(verifier, challenge)
