"""What Google publishes about itself: OpenID and RISC discovery, its signing keys, and ``userinfo``."""

from __future__ import annotations

import time
from typing import Any

from litestar import Request, Response, get
from litestar.datastructures import State

from backend.sandbox.google import scopes
from backend.sandbox.google.keys import public_jwks
from backend.sandbox.google.oauth import AUTHORIZE_PATH, issuer
from backend.sandbox.google.store import GoogleStore

RISC_PUSH = "https://schemas.openid.net/secevent/risc/delivery-method/push"


def risc_issuer(state: State) -> str:
    """RISC's issuer ends with a slash (``https://accounts.google.com/``), unlike the OpenID issuer."""
    return issuer(state) + "/"


def jwks_uri(state: State) -> str:
    return f"{state.config.public_url}/google/oauth2/v3/certs"


@get("/google/oauth2/v3/certs", sync_to_thread=False)
def certs(state: State) -> dict[str, Any]:
    return public_jwks(state.google.signing_key)


@get("/google/accounts/.well-known/openid-configuration", sync_to_thread=False)
def openid_configuration(state: State) -> dict[str, Any]:
    public = state.config.public_url
    return {
        "issuer": issuer(state),
        "authorization_endpoint": public + AUTHORIZE_PATH,
        "token_endpoint": f"{public}/google/oauth2/token",
        "userinfo_endpoint": f"{public}/google/openidconnect/v1/userinfo",
        "revocation_endpoint": f"{public}/google/oauth2/revoke",
        "jwks_uri": jwks_uri(state),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "email", "profile"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "claims_supported": ["aud", "email", "email_verified", "exp", "iat", "iss", "sub"],
        "code_challenge_methods_supported": ["plain", "S256"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
    }


@get("/google/accounts/.well-known/risc-configuration", sync_to_thread=False)
def risc_configuration(state: State) -> dict[str, Any]:
    return {"issuer": risc_issuer(state), "jwks_uri": jwks_uri(state), "delivery_methods_supported": [RISC_PUSH]}


@get("/google/openidconnect/v1/userinfo", sync_to_thread=False)
def userinfo(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    scheme, _, credential = request.headers.get("authorization", "").partition(" ")
    store: GoogleStore = state.google
    bearer = store.bearer(credential.strip()) if scheme.lower() == "bearer" else None
    user = store.user(bearer.sub) if bearer is not None else None
    if bearer is None or user is None or bearer.revoked or bearer.expires_at <= time.time():
        return Response(
            {"error": "invalid_request", "error_description": "Invalid Credentials"},
            status_code=401,
            headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", error="invalid_token"'},
        )
    if not bearer.scope & {scopes.OPENID, scopes.EMAIL, scopes.PROFILE}:
        # UNCONFIRMED: Google's exact answer to a token without any identity scope.
        body = {"error": "insufficient_scope", "error_description": "Insufficient Permission"}
        return Response(body, status_code=403)
    info: dict[str, Any] = {"sub": user.sub}
    if scopes.EMAIL in bearer.scope:
        info |= {"email": user.email, "email_verified": True}
    return Response(info)


ROUTES = [certs, openid_configuration, risc_configuration, userinfo]
