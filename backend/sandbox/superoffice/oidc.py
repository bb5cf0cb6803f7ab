"""The emulated SuperOffice sign-in endpoints, at SuperOffice Online's paths (``/login/...``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, quote

from authlib.oauth2 import OAuth2Error
from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_400_BAD_REQUEST

from backend.sandbox.superoffice.oidc_server import CLAIM, FormRequest, SandboxAuthorizationServer
from backend.sandbox.superoffice.session import signed_in_associate

DISCOVERY_PATH = "/login/.well-known/openid-configuration"


@get(DISCOVERY_PATH, sync_to_thread=False)
def discovery(state: State) -> dict[str, Any]:
    issuer = state.config.public_url
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/login/common/oauth/authorize",
        "token_endpoint": f"{issuer}/login/common/oauth/tokens",
        "jwks_uri": f"{issuer}/login/.well-known/jwks",
        "response_types_supported": ["code"],
        "response_modes_supported": ["form_post", "fragment", "query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "code_challenge_methods_supported": ["S256", "plain"],
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nbf", "nonce", "upn", f"{CLAIM}ctx",
                             f"{CLAIM}associateid", f"{CLAIM}email", f"{CLAIM}is_administrator",
                             f"{CLAIM}company_name", f"{CLAIM}initials", f"{CLAIM}webapi_url"],
    }  # fmt: skip


@get("/login/.well-known/jwks", sync_to_thread=False)
def jwks(state: State) -> dict[str, Any]:
    return state.oidc.store.jwks


def _form_request(request: Request[Any, Any, Any], form: dict[str, list[str]] | None = None) -> FormRequest:
    return FormRequest(
        method=request.method,
        url=str(request.url),
        headers=request.headers,  # case-insensitive: Authlib asks for "Authorization"
        query=parse_qs(request.url.query, keep_blank_values=True),
        form=form or {},
    )


def _error_page(error: OAuth2Error) -> Template:
    context = {"error": error.error, "description": error.get_error_description() or ""}
    return Template("oauth_error.html", context=context, status_code=HTTP_400_BAD_REQUEST)


@get("/login/common/oauth/authorize", sync_to_thread=False)
def authorize(request: Request[Any, Any, Any], state: State) -> Response[Any] | Template | Redirect:
    """Sign the user in (the CRM's own sign-in form) and send the code back to the registered redirect URI."""
    server: SandboxAuthorizationServer = state.oidc
    form_request = _form_request(request)
    try:
        grant = server.get_consent_grant(form_request)
    except OAuth2Error as error:
        if error.redirect_uri:  # the client and its redirect URI are known: tell the client
            return server.handle_error_response(server.create_oauth2_request(form_request), error)
        return _error_page(error)  # never redirect to an address that was not checked

    associate = signed_in_associate(request)
    if associate is None:
        here = f"{request.url.path}?{request.url.query}"
        return Redirect(f"/login?next={quote(here, safe='')}", status_code=HTTP_303_SEE_OTHER)
    return server.create_authorization_response(grant.request, grant_user=associate, grant=grant)


@post("/login/common/oauth/tokens", status_code=200)
async def tokens(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    server: SandboxAuthorizationServer = state.oidc
    body = (await request.body()).decode("utf-8", errors="replace")
    form_request = _form_request(request, parse_qs(body, keep_blank_values=True))
    return server.create_token_response(form_request)


ROUTES = [discovery, jwks, authorize, tokens]
