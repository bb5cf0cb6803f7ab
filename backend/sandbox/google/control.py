"""The sandbox's own handles on the Google emulator, for tests and curious people (not part of Google's API).

``revoke-user`` is the user removing the app in their Google Account (Security, Third-party apps with account
access): every grant ends and each client with a RISC receiver is told, before the answer returns.
"""

from __future__ import annotations

from typing import Any

from litestar import get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException, ValidationException
from litestar.params import FromPath, JSONBody

from backend.sandbox.google import risc
from backend.sandbox.google.apps import GoogleClient
from backend.sandbox.google.discovery import risc_issuer
from backend.sandbox.google.meet import space_body
from backend.sandbox.google.store import GoogleStore, GoogleUser


def _user(state: State, data: dict[str, Any]) -> GoogleUser:
    user = state.google.known_user(str(data.get("email", "")))
    if user is None:
        raise NotFoundException("No Google account with that email address.")
    return user


@get("/google/_sandbox/spaces", sync_to_thread=False)
def held_spaces(state: State) -> list[dict[str, Any]]:
    """Every space the emulator holds, with its owner and whether a conference is running."""
    return [
        {
            **space_body(state, space),
            "owner_email": space["owner_email"],
            "client_id": space["client_id"],
            "accessType": space["access_type"],
            "active_conference": space["conference"],
        }
        for space in state.google.spaces()
    ]


@post("/google/_sandbox/spaces/{space_id:str}/join", status_code=200, sync_to_thread=False)
def join_space(state: State, space_id: FromPath[str]) -> dict[str, Any]:
    """Someone joins the space: a conference starts (the one ``endActiveConference`` ends)."""
    store: GoogleStore = state.google
    space = store.space(space_id.removeprefix("spaces/"))
    if space is None:
        raise NotFoundException("No such space.")
    store.start_conference(space["id"])
    return space_body(state, store.space(space["id"]) or space)


@post("/google/_sandbox/expire-access-tokens", status_code=200, sync_to_thread=False)
def expire_access_tokens(state: State, data: JSONBody[dict[str, Any]]) -> dict[str, Any]:
    """An hour passes for this user's access tokens: the APIs refuse them, refresh tokens still work."""
    return {"expired": state.google.expire_access_tokens(_user(state, data).sub)}


@post("/google/_sandbox/revoke-user", status_code=200)
async def revoke_user(state: State, data: JSONBody[dict[str, Any]]) -> dict[str, Any]:
    """The user removes the apps' access: all grants die and each entitled client gets ``tokens-revoked``, its subject
    as ``subject_type`` says (``iss-sub``, the default, or ``id_token_claims``)."""
    user = _user(state, data)
    subject_type = str(data.get("subject_type", "iss-sub"))
    if subject_type not in risc.SUBJECT_TYPES:
        raise ValidationException(f"subject_type is one of {', '.join(risc.SUBJECT_TYPES)}.")
    store: GoogleStore = state.google
    receivers = []
    for client_id, granted in store.clients_of(user.sub).items():
        store.revoke_access(client_id, user.sub)
        client: GoogleClient | None = state.google_clients.get(client_id)
        if client is None or not client.risc_receiver_url or not risc.entitled(granted):
            continue
        events = risc.tokens_revoked(risc_issuer(state), user.sub, user.email, subject_type)
        token = risc.security_event_token(store.signing_key, risc_issuer(state), client_id, events)
        receivers.append(await risc.deliver(client, token))
    return {"sub": user.sub, "receivers": receivers}


@post("/google/_sandbox/revoke-token", status_code=200)
async def revoke_token(state: State, data: JSONBody[dict[str, Any]]) -> dict[str, Any]:
    """One refresh token is revoked (its grant dies) and its client gets ``token-revoked``, naming the token as
    ``token_identifier_alg`` says (``hash_base64_sha512_sha512``, the default, or ``prefix``)."""
    refresh_token = str(data.get("refresh_token", ""))
    alg = str(data.get("token_identifier_alg", risc.TOKEN_IDENTIFIER_ALGS[0]))
    if alg not in risc.TOKEN_IDENTIFIER_ALGS:
        raise ValidationException(f"token_identifier_alg is one of {', '.join(risc.TOKEN_IDENTIFIER_ALGS)}.")
    store: GoogleStore = state.google
    grant = store.grant_of_token(refresh_token) if refresh_token else None
    if grant is None or grant["refresh_token"] != refresh_token:
        raise NotFoundException("No such refresh token.")
    store.revoke_grant(grant["id"])
    client: GoogleClient | None = state.google_clients.get(grant["client_id"])
    receivers = []
    if client is not None and client.risc_receiver_url and risc.entitled(set(grant["scope"].split())):
        events = risc.token_revoked(refresh_token, alg)
        token = risc.security_event_token(store.signing_key, risc_issuer(state), client.client_id, events)
        receivers.append(await risc.deliver(client, token))
    return {"sub": grant["sub"], "receivers": receivers}


ROUTES = [held_spaces, join_space, expire_access_tokens, revoke_user, revoke_token]
