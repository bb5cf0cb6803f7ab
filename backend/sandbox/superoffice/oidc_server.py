"""SuperOffice's OpenID Connect provider, built on Authlib's server components.

Authorization code flow with PKCE (S256 or plain; optional, as at SuperOffice), ``state``, ``nonce``, client
secret by HTTP Basic or in the form, refresh tokens, and RS256 id tokens that carry SuperOffice's claims. Authlib
has no Litestar integration, so :class:`SandboxAuthorizationServer` adapts a request read into a FormRequest.
"""

from __future__ import annotations

import secrets
import time
import uuid
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from authlib.oauth2.rfc6749 import AuthorizationServer, OAuth2Payload, OAuth2Request, grants
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from litestar import Response

from backend.sandbox.superoffice import signing_keys
from backend.sandbox.superoffice.demo_world import TENANTS, DemoAssociate, find_associate
from backend.sandbox.superoffice.oidc_store import (
    ACCESS_TOKEN_LIFETIME_SECONDS,
    CODE_LIFETIME_SECONDS,
    AuthorizationCode,
    IssuedToken,
    OAuthClient,
    OidcStore,
)

CLAIM = "http://schemes.superoffice.net/identity/"


@dataclass
class FormRequest:
    """An HTTP request read ahead of time (Authlib's grants are synchronous)."""

    method: str
    url: str
    headers: Mapping[str, str]
    query: dict[str, list[str]]
    form: dict[str, list[str]] = field(default_factory=dict)


class _Payload(OAuth2Payload):
    def __init__(self, values: dict[str, list[str]]) -> None:
        self._datalist = defaultdict(list, values)

    @property
    def data(self) -> dict[str, str]:
        return {key: values[0] for key, values in self._datalist.items() if values}

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return self._datalist


class _OAuth2Request(OAuth2Request):
    def __init__(self, request: FormRequest) -> None:
        super().__init__(method=request.method, uri=request.url, headers=request.headers)
        self._query = {key: values[0] for key, values in request.query.items() if values}
        self._form = {key: values[0] for key, values in request.form.items() if values}
        self.payload = _Payload({**request.query, **request.form})

    @property
    def args(self) -> dict[str, str]:
        return self._query

    @property
    def form(self) -> dict[str, str]:
        return self._form


def superoffice_claims(associate: DemoAssociate, issuer: str) -> dict[str, Any]:
    """The user's claims, as SuperOffice Online puts them in its id tokens (strings, prefixed names)."""
    tenant = TENANTS[associate.context_id]
    return {
        "sub": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{issuer}/{associate.context_id}/{associate.associate_id}")),
        "upn": associate.email,
        f"{CLAIM}ctx": associate.context_id,
        f"{CLAIM}associateid": str(associate.associate_id),
        f"{CLAIM}email": associate.email,
        f"{CLAIM}so_primary_email_address": associate.email,
        f"{CLAIM}is_administrator": "True" if associate.is_administrator else "False",
        f"{CLAIM}company_name": tenant.company_name,
        f"{CLAIM}initials": associate.initials,
        f"{CLAIM}upn": associate.email,
        f"{CLAIM}identityprovider": "SuperOffice AS",
        f"{CLAIM}webapi_url": f"{issuer}/{associate.context_id}/api/",
        f"{CLAIM}netserver_url": f"{issuer}/{associate.context_id}/Remote/Services88/",
        f"{CLAIM}serial": "1000000001",
        f"{CLAIM}system_token": f"Meetings for SuperOffice-{associate.context_id}",
    }


class _AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        payload = request.payload.data
        associate: DemoAssociate = request.user
        self.server.store.save_code(
            AuthorizationCode(
                code=code,
                client_id=request.client.get_client_id(),
                redirect_uri=payload.get("redirect_uri", ""),
                scope=request.client.get_allowed_scope(payload.get("scope", "")),
                nonce=payload.get("nonce"),
                code_challenge=payload.get("code_challenge"),
                code_challenge_method=payload.get("code_challenge_method"),
                context_id=associate.context_id,
                associate_id=associate.associate_id,
                auth_time=int(time.time()),
                expires_at=int(time.time()) + CODE_LIFETIME_SECONDS,
            )
        )

    def query_authorization_code(self, code: str, client: OAuthClient) -> AuthorizationCode | None:
        return self.server.store.unused_code(code, client.get_client_id())

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        # Kept, marked used: a replayed code is refused (and its nonce stays known).
        self.server.store.mark_code_used(authorization_code.code)

    def authenticate_user(self, authorization_code: AuthorizationCode) -> DemoAssociate | None:
        return find_associate(authorization_code.context_id, authorization_code.associate_id)


class _RefreshTokenGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
    INCLUDE_NEW_REFRESH_TOKEN = False  # SuperOffice's refresh token lives on while the consent stands

    def authenticate_refresh_token(self, refresh_token: str) -> IssuedToken | None:
        return self.server.store.by_refresh_token(refresh_token)

    def authenticate_user(self, refresh_token: IssuedToken) -> DemoAssociate | None:
        return refresh_token.get_user()

    def revoke_old_credential(self, refresh_token: IssuedToken) -> None:
        """Nothing to revoke: the old access token expires on its own and the refresh token stays valid."""


class _SuperOfficeOpenIDCode(OpenIDCode):
    def __init__(self, server: SandboxAuthorizationServer) -> None:
        super().__init__(require_nonce=False)
        self.server = server

    def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
        return self.server.store.nonce_was_used(request.payload.client_id, nonce)

    def encode_id_token(self, token: dict[str, Any], request: OAuth2Request) -> str:
        """SuperOffice's id token (header by thumbprint, string ``iat``): see ``signing_keys``."""
        claims = dict(self.generate_user_info(request.user, token["scope"]))
        if nonce := request.authorization_code.get_nonce():
            claims["nonce"] = nonce
        return signing_keys.id_token(
            self.server.store.signing, claims, issuer=self.server.issuer, audience=request.client.get_client_id()
        )

    def generate_user_info(self, user: DemoAssociate, scope: str) -> UserInfo:
        return UserInfo(superoffice_claims(user, self.server.issuer))


class SandboxAuthorizationServer(AuthorizationServer):
    def __init__(self, store: OidcStore, issuer: str) -> None:
        super().__init__(scopes_supported=["openid"])
        self.store = store
        self.issuer = issuer
        self.register_token_generator(
            "default",
            BearerTokenGenerator(
                access_token_generator=lambda **_: secrets.token_urlsafe(32),
                refresh_token_generator=lambda **_: secrets.token_urlsafe(48),
                expires_generator=lambda client, grant_type: ACCESS_TOKEN_LIFETIME_SECONDS,
            ),
        )
        self.register_grant(_AuthorizationCodeGrant, [CodeChallenge(required=False), _SuperOfficeOpenIDCode(self)])
        self.register_grant(_RefreshTokenGrant)

    def query_client(self, client_id: str) -> OAuthClient | None:
        return self.store.clients.get(client_id)

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        self.store.save_token(token, request.client.get_client_id(), request.user)

    def create_oauth2_request(self, request: FormRequest | OAuth2Request) -> OAuth2Request:
        return request if isinstance(request, OAuth2Request) else _OAuth2Request(request)

    def handle_response(self, status: int, body: Any, headers: list[tuple[str, str]]) -> Response[Any]:
        return Response(body, status_code=status, headers=dict(headers))

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        """No signals in the sandbox."""
