"""Sign-in with SuperOffice (OpenID Connect, authorization code flow with PKCE), per SuperOffice Online's contract.

The issuer is a setting; the same code signs in against the sandbox or a real SuperOffice environment.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from authlib.common.security import generate_token
from authlib.integrations.base_client import OAuthError
from joserfc import jws, jwt
from joserfc.errors import BadSignatureError, JoseError
from joserfc.jwk import RSAKey

from backend.crm.webapi_dates import TIME_ZONE_HEADER
from backend.http import http_client, oauth_client

CLAIM = "http://schemes.superoffice.net/identity/"
DISCOVERY_PATH = "/login/.well-known/openid-configuration"
METADATA_LIFETIME_SECONDS = 3600
CLOCK_LEEWAY_SECONDS = 60
UNREACHABLE = "SuperOffice's sign-in service could not be reached. Try again in a moment."
NOT_VERIFIED = "The sign-in answer from SuperOffice could not be verified. Please sign in again."
UNKNOWN_KEY = "The sign-in answer from SuperOffice is signed with an unknown key. Please sign in again."
_DIGITS = re.compile(r"[0-9]{1,12}")


class SignInError(Exception):
    """Sign-in did not complete. The message is for the person signing in: what happened, what to do."""

    def __init__(self, message: str, *, status_code: int = 400) -> None:
        super().__init__(message)
        self.status_code = status_code


@dataclass(frozen=True)
class CrmIdentity:
    """Who signed in, from the verified id token's SuperOffice claims."""

    subject: str
    context_id: str
    associate_id: int
    email: str
    is_administrator: bool
    company_name: str
    initials: str
    webapi_url: str
    name: str = ""
    """The user's full name, from the WebAPI (the id token has none)."""


@dataclass(frozen=True)
class CrmTokens:
    """The signed-in user's tokens for SuperOffice's WebAPI (never shown or logged: hidden from ``repr``)."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: datetime


class CrmGrantRefused(Exception):
    """SuperOffice no longer accepts the refresh token (the user revoked the application, or it expired)."""


class CrmUnavailable(Exception):
    """SuperOffice could not be reached or answered with a server error: try again later."""


@dataclass(frozen=True)
class PendingSignIn:
    """What must come back unchanged from SuperOffice (kept in the user's session until the callback)."""

    state: str
    nonce: str
    code_verifier: str

    @classmethod
    def new(cls) -> PendingSignIn:
        return cls(state=generate_token(32), nonce=generate_token(32), code_verifier=generate_token(64))


class SuperOfficeSignIn:
    """The OpenID Connect client for one SuperOffice environment and one registered application."""

    def __init__(self, *, issuer: str, client_id: str, client_secret: str, redirect_uri: str) -> None:
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self._client_secret = client_secret
        self.redirect_uri = redirect_uri
        self._metadata: dict[str, Any] | None = None
        self._metadata_at = 0.0
        self._keys: list[RSAKey] | None = None

    def __repr__(self) -> str:
        return f"SuperOfficeSignIn(issuer={self.issuer!r}, client_id={self.client_id!r})"

    async def metadata(self) -> dict[str, Any]:
        """The provider's discovery document, cached for an hour; its issuer must be the one configured."""
        if self._metadata is None or time.monotonic() - self._metadata_at > METADATA_LIFETIME_SECONDS:
            document = await self._get_json(f"{self.issuer}{DISCOVERY_PATH}")
            if document.get("issuer", "").rstrip("/") != self.issuer:
                raise SignInError("SuperOffice's sign-in service describes another issuer; sign-in is not safe.")
            self._metadata, self._metadata_at, self._keys = document, time.monotonic(), None
        return self._metadata

    async def authorization_url(self, pending: PendingSignIn) -> str:
        metadata = await self.metadata()
        async with self._oauth() as client:
            url, _ = client.create_authorization_url(
                metadata["authorization_endpoint"],
                state=pending.state,
                nonce=pending.nonce,
                code_verifier=pending.code_verifier,
                scope="openid",
                response_mode="query",
            )
        return str(url)

    async def full_name(self, identity: CrmIdentity, access_token: str) -> str:
        """The user's name from the WebAPI (``User/currentPrincipal``); empty when it cannot be had."""
        url = f"{identity.webapi_url.rstrip('/')}/v1/User/currentPrincipal"
        try:
            async with http_client() as client:
                headers = {"Authorization": f"Bearer {access_token}", **TIME_ZONE_HEADER}
                response = await client.get(url, headers=headers)
                response.raise_for_status()
                return str(response.json().get("FullName") or "")
        except (httpx.HTTPError, ValueError, AttributeError):
            return ""

    async def complete(self, pending: PendingSignIn, *, code: str) -> tuple[CrmIdentity, CrmTokens]:
        """Redeem the code (with the PKCE verifier) and verify the id token: signature, issuer, audience, nonce."""
        metadata = await self.metadata()
        async with self._oauth() as client:
            try:
                token = await client.fetch_token(
                    metadata["token_endpoint"], code=code, code_verifier=pending.code_verifier
                )
            except OAuthError as error:
                raise SignInError(
                    "SuperOffice did not accept this sign-in (it may have been used already or have expired). "
                    "Please sign in again."
                ) from error
            except httpx.HTTPError as error:
                raise SignInError(UNREACHABLE, status_code=502) from error
        id_token = token.get("id_token")
        if not id_token:
            raise SignInError("SuperOffice's answer had no identity token. Please sign in again.")
        identity = await self.verify_id_token(id_token, nonce=pending.nonce)
        name = await self.full_name(identity, token.get("access_token", "")) if identity.webapi_url else ""
        return replace(identity, name=name), _tokens(token)

    async def refresh(self, refresh_token: str) -> CrmTokens:
        """New WebAPI tokens for background work; CrmGrantRefused when SuperOffice refuses the refresh token."""
        try:
            metadata = await self.metadata()
        except SignInError as error:
            raise CrmUnavailable(UNREACHABLE) from error
        async with self._oauth() as client:
            try:
                token = await client.refresh_token(metadata["token_endpoint"], refresh_token=refresh_token)
            except OAuthError as error:
                if error.error == "invalid_grant":  # the user's grant is gone; anything else is ours or passing
                    raise CrmGrantRefused(str(error.error)) from error
                raise CrmUnavailable(f"SuperOffice refused the refresh ({error.error})") from error
            except httpx.HTTPError as error:
                raise CrmUnavailable(UNREACHABLE) from error
        tokens = _tokens(token)
        # SuperOffice's refresh tokens live on (they do not rotate): keep using the one we have when none comes back.
        return tokens if tokens.refresh_token else replace(tokens, refresh_token=refresh_token)

    async def verify_id_token(self, id_token: str, *, nonce: str) -> CrmIdentity:
        claims = _numeric_iat(await self._verified_claims(id_token))
        registry = jwt.JWTClaimsRegistry(
            leeway=CLOCK_LEEWAY_SECONDS,
            iss={"essential": True, "value": self.issuer},
            aud={"essential": True, "value": self.client_id},
            sub={"essential": True},
            exp={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        try:
            registry.validate(claims)
        except JoseError as error:
            raise SignInError(
                f"The sign-in answer from SuperOffice is not valid for this service ({error}). Please sign in again."
            ) from error
        return _identity(claims)

    async def _verified_claims(self, id_token: str) -> dict[str, Any]:
        """The payload, once a published key verifies the signature: SuperOffice names its key by ``x5t`` and no
        ``kid``, so the key is picked by ``kid``, else by ``x5t``, else each key is tried."""
        try:
            header = jws.extract_compact(id_token.encode()).headers()
        except (JoseError, ValueError, UnicodeError) as error:
            raise SignInError(NOT_VERIFIED) from error
        if header.get("alg") != "RS256":
            raise SignInError(NOT_VERIFIED)
        candidates: list[RSAKey] = []
        for refresh in (False, True):  # a key we do not know yet may be a rotated one: fetch the keys once more
            candidates = _candidates(await self._signing_keys(refresh=refresh), header)
            for key in candidates:
                try:
                    return dict(jwt.decode(id_token, key, algorithms=["RS256"]).claims)
                except BadSignatureError:
                    continue
                except JoseError as error:
                    raise SignInError(NOT_VERIFIED) from error
        if not candidates:
            raise SignInError(UNKNOWN_KEY)
        raise SignInError(NOT_VERIFIED)

    async def _signing_keys(self, *, refresh: bool) -> list[RSAKey]:
        if self._keys is None or refresh:
            metadata = await self.metadata()
            self._keys = _published_keys(await self._get_json(metadata["jwks_uri"]))
        return self._keys

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            async with http_client() as client:
                response = await client.get(url)
                response.raise_for_status()
                return response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise SignInError(UNREACHABLE, status_code=502) from error

    def _oauth(self) -> Any:
        return oauth_client(
            self.client_id,
            self._client_secret,
            redirect_uri=self.redirect_uri,
            token_endpoint_auth_method="client_secret_basic",  # noqa: S106  (a method name, not a secret)
            code_challenge_method="S256",
        )


def _numeric_iat(claims: dict[str, Any]) -> dict[str, Any]:
    """SuperOffice writes ``iat`` as a string of digits (``"iat": "1581665207"``, its documentation's samples);
    that and a number are accepted, nothing looser."""
    issued = claims.get("iat")
    if isinstance(issued, str):
        if not _DIGITS.fullmatch(issued):
            raise SignInError(
                "The sign-in answer from SuperOffice is not valid for this service (its issue time is not a number). "
                "Please sign in again."
            )
        return {**claims, "iat": int(issued)}
    return claims


def _published_keys(document: dict[str, Any]) -> list[RSAKey]:
    """The RSA signing keys of a JWKS document; entries that are not (or are broken) are left out."""
    keys = []
    for entry in document.get("keys") or []:
        if not isinstance(entry, dict) or entry.get("kty") != "RSA" or entry.get("use", "sig") != "sig":
            continue
        try:
            keys.append(RSAKey.import_key(entry))
        except (JoseError, ValueError, TypeError):
            continue
    return keys


def _candidates(keys: list[RSAKey], header: dict[str, Any]) -> list[RSAKey]:
    if kid := header.get("kid"):
        return [key for key in keys if key.kid == kid]
    if (thumbprint := header.get("x5t")) and any(key.get("x5t") for key in keys):
        return [key for key in keys if key.get("x5t") == thumbprint]
    return keys


def _tokens(token: dict[str, Any]) -> CrmTokens:
    lifetime = int(token.get("expires_in") or 3600)
    return CrmTokens(
        access_token=str(token.get("access_token") or ""),
        refresh_token=token.get("refresh_token") or None,
        expires_at=datetime.now(UTC) + timedelta(seconds=lifetime),
    )


def _identity(claims: dict[str, Any]) -> CrmIdentity:
    try:
        return CrmIdentity(
            subject=str(claims["sub"]),
            context_id=str(claims[f"{CLAIM}ctx"]),
            associate_id=int(claims[f"{CLAIM}associateid"]),
            email=str(claims.get(f"{CLAIM}email") or claims.get("upn") or ""),
            is_administrator=str(claims.get(f"{CLAIM}is_administrator", "")).lower() == "true",
            company_name=str(claims.get(f"{CLAIM}company_name", "")),
            initials=str(claims.get(f"{CLAIM}initials", "")),
            webapi_url=str(claims.get(f"{CLAIM}webapi_url", "")),
        )
    except (KeyError, ValueError) as error:
        raise SignInError(
            "SuperOffice's answer lacks the user's company or associate. Please sign in again."
        ) from error
