"""What a verified RISC security event token says (Google's Cross-Account Protection), and how a receiver refuses one.

Sources: developers.google.com/identity/protocols/risc ("Handle security events", "OAuth token identifiers"), the
OpenID RISC and OAuth event types profiles (subjects ``iss-sub``, ``id_token_claims``, ``oauth_token``), RFC 8935
(push delivery: 202 to accept; 400 with ``{"err", "description"}`` to refuse).
"""

from __future__ import annotations

from typing import Any

from backend.providers.base import OtherEvent, ProviderDeauthorized, ProviderEvent, RevokedToken, WebhookRejected

EVENT_TYPES = "https://schemas.openid.net/secevent/oauth/event-type/"
TOKENS_REVOKED = f"{EVENT_TYPES}tokens-revoked"
"""Every token of the app for this user is dead: the subject names the user."""
TOKEN_REVOKED = f"{EVENT_TYPES}token-revoked"
"""One refresh token is dead: the subject names the token."""


def event_in(claims: dict[str, Any]) -> ProviderEvent:
    """The deauthorization a SET's ``events`` claim describes, or OtherEvent; WebhookRejected when it is malformed."""
    events = claims.get("events")
    if not isinstance(events, dict) or not events:
        raise WebhookRejected("The security event token has no events.", code="invalid_request")
    for name, event in events.items():
        if name not in (TOKENS_REVOKED, TOKEN_REVOKED):
            continue
        subject = event.get("subject") if isinstance(event, dict) else None
        found = _subject(subject) if isinstance(subject, dict) else None
        if found is not None:
            return found
    return OtherEvent(", ".join(str(name) for name in events))


def _subject(subject: dict[str, Any]) -> ProviderDeauthorized | None:
    kind = subject.get("subject_type")
    sub, email = _text(subject.get("sub")), _text(subject.get("email"))
    if kind in ("iss-sub", "id_token_claims") and (sub or email):
        return ProviderDeauthorized(user_id=sub, email=email if not sub else "")
    if kind == "oauth_token" and subject.get("token_type", "refresh_token") == "refresh_token":
        alg, token = _text(subject.get("token_identifier_alg")), _text(subject.get("token"))
        if alg and token:
            return ProviderDeauthorized(token=RevokedToken(alg, token))
    return None


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def refusal(error: WebhookRejected) -> tuple[int, dict[str, Any]]:
    """RFC 8935 section 2.3: a SET that cannot be accepted is answered 400 with its reason."""
    return 400, {"err": error.code, "description": str(error)}
