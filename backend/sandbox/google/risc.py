"""Cross-Account Protection (RISC): security event tokens Google pushes to a client's registered receiver.

A SET is a JWT signed with the same key as id tokens (``kid`` in ``/oauth2/v3/certs``), POSTed with
``Content-Type: application/secevent+jwt``. Google sends them only for users who granted ``email`` or ``profile``.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
import time
from typing import Any

import httpx
from joserfc.jwk import RSAKey

from backend.sandbox.google import scopes
from backend.sandbox.google.apps import GoogleClient
from backend.sandbox.google.keys import sign
from backend.sandbox.outgoing import delivery_client

log = logging.getLogger(__name__)

TOKENS_REVOKED = "https://schemas.openid.net/secevent/oauth/event-type/tokens-revoked"
TOKEN_REVOKED = "https://schemas.openid.net/secevent/oauth/event-type/token-revoked"


def entitled(granted: set[str]) -> bool:
    """Whether Google would tell a client about this user (it needs the ``email`` or ``profile`` scope)."""
    return bool(granted & {scopes.EMAIL, scopes.PROFILE})


SUBJECT_TYPES = ("iss-sub", "id_token_claims")
TOKEN_IDENTIFIER_ALGS = ("hash_base64_sha512_sha512", "prefix")


def tokens_revoked(risc_issuer: str, sub: str, email: str, subject_type: str = "iss-sub") -> dict[str, Any]:
    """The user removed the app's access: every token of the client for this user is dead.

    The subject is ``iss-sub`` (as in the sample token of developers.google.com/identity/protocols/risc, "Handle
    security events") or ``id_token_claims``, which that page says "might also include an ``email`` field"."""
    # UNCONFIRMED: the ``reason`` text (RISC defines the field; Google's documentation shows no value for this event).
    if subject_type == "id_token_claims":
        subject = {"subject_type": "id_token_claims", "sub": sub, "email": email}
    else:
        subject = {"subject_type": "iss-sub", "iss": risc_issuer, "sub": sub}
    return {TOKENS_REVOKED: {"subject": subject, "reason": "user_revoked_access"}}


def token_identifier(refresh_token: str, alg: str) -> str:
    """Google's "OAuth token identifiers" table: ``prefix`` is the token's first 16 characters,
    ``hash_base64_sha512_sha512`` "the double hash of the token using SHA-512", in base64 (standard alphabet, padded,
    as the algorithm's name and other receivers read it)."""
    if alg == "prefix":
        return refresh_token[:16]
    twice = hashlib.sha512(hashlib.sha512(refresh_token.encode()).digest()).digest()
    return base64.b64encode(twice).decode()


def token_revoked(refresh_token: str, alg: str = "hash_base64_sha512_sha512") -> dict[str, Any]:
    """One refresh token was revoked; it is named by an identifier, never in the clear (the OAuth event types
    profile's token subject: ``token_type`` is only ever ``refresh_token`` at Google)."""
    subject = {
        "subject_type": "oauth_token",
        "token_type": "refresh_token",
        "token_identifier_alg": alg,
        "token": token_identifier(refresh_token, alg),
    }
    return {TOKEN_REVOKED: {"subject": subject}}


def security_event_token(key: RSAKey, risc_issuer: str, client_id: str, events: dict[str, Any]) -> str:
    claims = {
        "iss": risc_issuer,
        "aud": client_id,
        "iat": int(time.time()),
        "jti": secrets.token_urlsafe(16),
        "events": events,
    }
    return sign(key, claims)


async def deliver(client: GoogleClient, token: str) -> dict[str, Any]:
    """POST one SET to the client's receiver; ``status`` is its HTTP status, None when it could not be reached."""
    headers = {"Content-Type": "application/secevent+jwt", "Accept": "application/json"}
    try:
        async with delivery_client(10) as http:
            response = await http.post(client.risc_receiver_url, content=token, headers=headers)
    except httpx.HTTPError as error:
        log.warning("google emulator: security event to %s failed: %s", client.risc_receiver_url, error)
        return {"url": client.risc_receiver_url, "status": None}
    if response.status_code >= 300:
        log.warning("google emulator: %s answered %s", client.risc_receiver_url, response.status_code)
    return {"url": client.risc_receiver_url, "status": response.status_code}
