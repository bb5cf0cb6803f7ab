"""Google's OAuth 2.0: the consent page (``accounts.google.com`` under ``/google/accounts``) and the token and
revocation endpoints (``oauth2.googleapis.com`` under ``/google/oauth2``).

Google's refresh-token rule is kept: a refresh token comes only with ``access_type=offline`` and only when consent
was actually asked for (``prompt=consent``, or scopes the user had not granted yet). A browser that is signed in
(a cookie from an earlier Allow) and has granted everything asked goes straight back, without a refresh token.
Refresh tokens are not rotated; revoking any token of a grant ends the client's access for that user.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.params import URLEncodedBody
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_302_FOUND, HTTP_400_BAD_REQUEST, HTTP_401_UNAUTHORIZED

from backend.sandbox.faults import Fault, FaultKind, Target
from backend.sandbox.google import scopes
from backend.sandbox.google.apps import GoogleClient, authenticated_client
from backend.sandbox.google.keys import sign
from backend.sandbox.google.store import ACCESS_TOKEN_LIFETIME_SECONDS, GoogleStore, GoogleUser, Issued
from backend.sandbox.oauth_requests import form_fields, pkce_ok

AUTHORIZE_PATH = "/google/accounts/o/oauth2/v2/auth"
ACCOUNT_COOKIE = "google_account"
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PROMPTS = {"none", "consent", "select_account"}
ID_TOKEN_LIFETIME_SECONDS = 3600
NO_STORE = {"Cache-Control": "no-cache, no-store, max-age=0, must-revalidate", "Pragma": "no-cache"}
Form = URLEncodedBody[dict[str, str]]


@dataclass(frozen=True)
class AuthRequest:
    """An authorization request that passed Google's checks."""

    client: GoogleClient
    redirect_uri: str
    scopes: list[str]
    params: dict[str, str]

    @property
    def prompts(self) -> set[str]:
        return set(self.params.get("prompt", "").split())

    @property
    def offline(self) -> bool:
        return self.params.get("access_type") == "offline"


def issuer(state: State) -> str:
    return f"{state.config.public_url}/google/accounts"


def _error_page(status_code: int, error: str, message: str) -> Template:
    context = {"error": f"Error {status_code}: {error}", "message": message}
    return Template("google_error.html", context=context, status_code=status_code)


def _redirect_back(redirect_uri: str, **params: str) -> Redirect:
    separator = "&" if "?" in redirect_uri else "?"
    return Redirect(f"{redirect_uri}{separator}{urlencode(params)}", status_code=HTTP_302_FOUND)


def _checked(state: State, params: dict[str, str]) -> AuthRequest | Template:
    """The request, or the error page Google shows instead of redirecting (the redirect URI may not be trusted)."""
    client: GoogleClient | None = state.google_clients.get(params.get("client_id", ""))
    if client is None:
        return _error_page(HTTP_401_UNAUTHORIZED, "invalid_client", "The OAuth client was not found.")
    redirect_uri = params.get("redirect_uri", "")
    if not redirect_uri:
        return _error_page(HTTP_400_BAD_REQUEST, "invalid_request", "Missing required parameter: redirect_uri")
    if redirect_uri not in client.redirect_uris:
        message = (
            "You can't sign in to this app because it doesn't comply with Google's OAuth 2.0 policy. If you're"
            f" the app developer, register the redirect URI in the Google Cloud Console. redirect_uri={redirect_uri}"
        )
        return _error_page(HTTP_400_BAD_REQUEST, "redirect_uri_mismatch", message)
    problem = _problem(params)
    if problem is not None:
        return _error_page(HTTP_400_BAD_REQUEST, *problem)
    return AuthRequest(client, redirect_uri, scopes.parse(params.get("scope", "")), params)


def _problem(params: dict[str, str]) -> tuple[str, str] | None:
    """What is wrong with the rest of the request, as ``(error, message)``."""
    if params.get("response_type") != "code":
        return "invalid_request", f"Invalid response_type: {params.get('response_type', '')}"
    requested = scopes.parse(params.get("scope", ""))
    if not requested:
        return "invalid_request", "Missing required parameter: scope"
    if invalid := scopes.unknown(requested):
        return "invalid_scope", f"Some requested scopes were invalid. {{invalid={invalid}}}"
    if params.get("access_type", "online") not in ("online", "offline"):
        return "invalid_request", f"Invalid access_type: {params['access_type']}"
    prompts = set(params.get("prompt", "").split())
    if not prompts <= PROMPTS or ("none" in prompts and len(prompts) > 1):
        return "invalid_request", f"Invalid prompt: {params['prompt']}"
    if params.get("code_challenge") and params.get("code_challenge_method", "plain") not in ("S256", "plain"):
        return "invalid_request", "Invalid code_challenge_method"
    return None


def _consent_page(request: AuthRequest, email: str, error: str | None = None) -> Template:
    context = {
        "client": request.client,
        "params": request.params,
        "email": email,
        "error": error,
        "scopes": [scopes.DESCRIPTIONS[name] for name in request.scopes],
    }
    return Template("google_consent.html", context=context, status_code=HTTP_400_BAD_REQUEST if error else 200)


def _approve(store: GoogleStore, request: AuthRequest, user: GoogleUser, *, consent_shown: bool) -> Redirect:
    """Back to the client with a code; it carries a refresh token only if offline and consent was shown."""
    client_id = request.client.client_id
    granted = set(request.scopes)
    if request.params.get("include_granted_scopes") == "true":
        granted |= store.granted_scopes(client_id, user.sub)
    store.record_consent(client_id, user.sub, set(request.scopes))
    challenge = request.params.get("code_challenge") or None
    code = store.new_code(
        client_id=client_id,
        sub=user.sub,
        redirect_uri=request.redirect_uri,
        scope=scopes.joined(granted),
        nonce=request.params.get("nonce") or None,
        code_challenge=challenge,
        code_challenge_method=(request.params.get("code_challenge_method") or "plain") if challenge else None,
        with_refresh_token=int(request.offline and consent_shown),
    )
    back = {"state": request.params["state"]} if request.params.get("state") else {}
    prompt = "consent" if consent_shown else "none"
    return _redirect_back(
        request.redirect_uri, **back, code=code, scope=scopes.joined(granted), authuser="0", prompt=prompt
    )


@get(AUTHORIZE_PATH, sync_to_thread=False)
def authorize(request: Request[Any, Any, Any], state: State) -> Template | Redirect:
    checked = _checked(state, dict(request.query_params))
    if isinstance(checked, Template):
        return checked
    store: GoogleStore = state.google
    user = store.user(request.cookies.get(ACCOUNT_COOKIE, ""))
    hint = checked.params.get("login_hint", "").strip().lower()
    if user is not None and hint and hint != user.email:
        user = None  # another account is asked for: the page lets the person choose
    consented = user is not None and set(checked.scopes) <= store.granted_scopes(checked.client.client_id, user.sub)
    back = {"state": checked.params["state"]} if checked.params.get("state") else {}
    if "none" in checked.prompts:
        if user is None:
            return _redirect_back(checked.redirect_uri, error="login_required", **back)
        if not consented:
            return _redirect_back(checked.redirect_uri, error="consent_required", **back)
    if user is not None and consented and not checked.prompts & {"consent", "select_account"}:
        return _approve(store, checked, user, consent_shown=False)
    return _consent_page(checked, email=hint or (user.email if user else ""))


@post(AUTHORIZE_PATH, sync_to_thread=False)
def decide(state: State, data: Form) -> Template | Redirect:
    checked = _checked(state, data)
    if isinstance(checked, Template):
        return checked
    if data.get("decision") != "allow":
        back = {"state": data["state"]} if data.get("state") else {}
        return _redirect_back(checked.redirect_uri, error="access_denied", **back)
    email = data.get("email", "").strip()
    if not EMAIL.match(email):
        return _consent_page(checked, email, "Enter the email address of your Google Account.")
    store: GoogleStore = state.google
    user = store.user_for_email(email)
    needs_consent = "consent" in checked.prompts or not set(checked.scopes) <= store.granted_scopes(
        checked.client.client_id, user.sub
    )
    response = _approve(store, checked, user, consent_shown=needs_consent)
    response.set_cookie(ACCOUNT_COOKIE, user.sub, httponly=True, samesite="lax", path="/google/accounts")
    return response


def _oauth_error(status_code: int, error: str, description: str) -> Response[Any]:
    return Response({"error": error, "error_description": description}, status_code=status_code, headers=NO_STORE)


def id_token(state: State, client_id: str, user: GoogleUser, scope: set[str], nonce: str | None, now: int) -> str:
    """An id token as Google signs it (RS256, ``kid`` in ``/oauth2/v3/certs``)."""
    claims: dict[str, Any] = {
        "iss": issuer(state),
        "azp": client_id,
        "aud": client_id,
        "sub": user.sub,
        "iat": now,
        "exp": now + ID_TOKEN_LIFETIME_SECONDS,
    }
    if scopes.EMAIL in scope:
        claims |= {"email": user.email, "email_verified": True}
    if nonce:
        claims["nonce"] = nonce
    return sign(state.google.signing_key, claims)


def _token_body(state: State, issued: Issued, nonce: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "access_token": issued.access_token,
        "expires_in": ACCESS_TOKEN_LIFETIME_SECONDS,
        "scope": issued.scope,
        "token_type": "Bearer",
    }
    if issued.refresh_token:
        body["refresh_token"] = issued.refresh_token
    user = state.google.user(issued.sub)
    granted = set(issued.scope.split())
    if scopes.OPENID in granted and user is not None:
        body["id_token"] = id_token(state, issued.client_id, user, granted, nonce, int(time.time()))
    return body


async def _fault_answer(request: Request[Any, Any, Any], fault: Fault) -> Response[Any]:
    # UNCONFIRMED: the bodies of Google's token-endpoint 429 and 500 (only the status codes are documented).
    if fault.kind is FaultKind.INVALID_GRANT:
        return _oauth_error(HTTP_400_BAD_REQUEST, "invalid_grant", "Token has been expired or revoked.")
    if fault.kind is FaultKind.HANG:
        await request.app.state.faults.hang(request.receive)
    if fault.kind in (FaultKind.RATE_LIMITED, FaultKind.DAILY_LIMIT):
        answer = _oauth_error(429, "rate_limit_exceeded", "Rate Limit Exceeded")
        answer.headers["Retry-After"] = str(fault.retry_after_seconds)
        return answer
    return _oauth_error(500, "internal_failure", "Backend Error")


@post("/google/oauth2/token", status_code=200)
async def token(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    form = await form_fields(request)
    client = authenticated_client(state.google_clients, form, request.headers.get("authorization", ""))
    if client is None:
        return _oauth_error(HTTP_401_UNAUTHORIZED, "invalid_client", "Unauthorized")
    store: GoogleStore = state.google
    grant_type = form.get("grant_type", "")
    if grant_type == "authorization_code":
        row = store.redeem_code(form.get("code", ""), client.client_id)
        if row is None:
            return _oauth_error(HTTP_400_BAD_REQUEST, "invalid_grant", "Bad Request")
        if form.get("redirect_uri") != row["redirect_uri"]:
            return _oauth_error(HTTP_400_BAD_REQUEST, "redirect_uri_mismatch", "Bad Request")
        if not pkce_ok(row["code_challenge"], row["code_challenge_method"], form.get("code_verifier")):
            return _oauth_error(HTTP_400_BAD_REQUEST, "invalid_grant", "Bad Request")
        offline = bool(row["with_refresh_token"])
        issued = store.open_grant(client.client_id, row["sub"], row["scope"], with_refresh_token=offline)
        return Response(_token_body(state, issued, row["nonce"]), headers=NO_STORE)
    if grant_type == "refresh_token":
        fault = state.faults.take("google", Target.TOKEN)
        if fault is not None:
            return await _fault_answer(request, fault)
        refreshed = store.refresh(form.get("refresh_token", ""), client.client_id)
        if refreshed is None:
            return _oauth_error(HTTP_400_BAD_REQUEST, "invalid_grant", "Token has been expired or revoked.")
        return Response(_token_body(state, refreshed), headers=NO_STORE)
    return _oauth_error(HTTP_400_BAD_REQUEST, "unsupported_grant_type", f"Invalid grant_type: {grant_type}")


@post("/google/oauth2/revoke", status_code=200)
async def revoke(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    """Any token of a grant: the client's access for that user ends (every grant) and its consent is forgotten.

    UNCONFIRMED that Google ends the client's other grants for the user too; it does remove the app from the
    user's "Third-party apps with account access", which is what this emulates.
    """
    value = request.query_params.get("token") or (await form_fields(request)).get("token", "")
    store: GoogleStore = state.google
    grant = store.grant_of_token(value) if value else None
    if grant is None or grant["revoked"]:
        return _oauth_error(HTTP_400_BAD_REQUEST, "invalid_token", "Token expired or revoked")
    store.revoke_access(grant["client_id"], grant["sub"])
    return Response({}, headers=NO_STORE)


ROUTES = [authorize, decide, token, revoke]
