"""Microsoft identity platform v2.0 (``https://login.microsoftonline.com``), under ``/microsoft/login`` in the sandbox.

Authorize: tenant ``common``, ``organizations``, a tenant id or a domain (``consumers`` is refused: personal accounts
cannot have online meetings). An unknown app (AADSTS700016) or a redirect URI that is not exactly a registered one
(AADSTS50011) is an error page, never a redirect. The consent page lists the scopes asked for and has an ``Email``
field with ``Allow`` / ``Deny``. Whoever allows with an e-mail address is that work account (created on first use,
one tenant per domain). An address whose local part starts with ``nomail`` (``nomail.anna@demo.example``) makes an
account without a mailbox: Graph's ``/me`` then has ``mail: null`` and only ``userPrincipalName`` holds the address.

Token: client secret in the form (or HTTP Basic); codes are single use (AADSTS54005) and live 10 minutes; PKCE S256 or
plain; a refresh token only when ``offline_access`` was granted; every refresh gives a new refresh token and the old
one keeps working (Microsoft does not revoke it); a refresh may only ask for consented scopes (``consent_required``).
Microsoft has no revocation endpoint for this: a user removes the app (``/microsoft/_sandbox/revoke`` here).
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_302_FOUND, HTTP_400_BAD_REQUEST

from backend.sandbox.microsoft import scopes
from backend.sandbox.microsoft.apps import MicrosoftApp
from backend.sandbox.microsoft.errors import AADSTS, IdentityError, token_fault
from backend.sandbox.microsoft.store import Grant, MicrosoftStore
from backend.sandbox.oauth_requests import basic_credentials, form_fields, pkce_ok

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
EMAIL_COOKIE = "microsoft_email"
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
DOMAIN = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$", re.IGNORECASE)
CARRIED = (
    "client_id",
    "response_type",
    "redirect_uri",
    "scope",
    "state",
    "response_mode",
    "nonce",
    "code_challenge",
    "code_challenge_method",
)
"""Authorize parameters the consent form carries to its POST."""
AUTHORIZE = "/microsoft/login/{tenant:str}/oauth2/v2.0/authorize"
Form = URLEncodedBody[dict[str, str]]


def _error_page(message: str, status_code: int = HTTP_400_BAD_REQUEST) -> Template:
    return Template("microsoft_error.html", context={"message": message}, status_code=status_code)


def _redirect_back(redirect_uri: str, **params: str) -> Redirect:
    params = {name: value for name, value in params.items() if value}
    separator = "&" if "?" in redirect_uri else "?"
    return Redirect(f"{redirect_uri}{separator}{urlencode(params)}", status_code=HTTP_302_FOUND)


def _tenant_exists(tenant: str) -> bool:
    """``common``, ``organizations``, ``consumers``, a tenant id or a verified domain (any domain, here)."""
    return tenant.lower() in ("common", "organizations", "consumers") or bool(
        GUID.match(tenant) or DOMAIN.match(tenant)
    )


def _tenant_problem(tenant: str) -> str | None:
    if not _tenant_exists(tenant):
        return f"AADSTS90002: Tenant '{tenant}' not found. {AADSTS[90002]}"
    if tenant.lower() == "consumers":
        return (
            "Personal Microsoft accounts cannot use Teams online meetings through Microsoft Graph."
            " Sign in with a work or school account (tenant 'organizations' or 'common')."
        )
    return None


def _checked(state: State, tenant: str, params: dict[str, str]) -> tuple[MicrosoftApp, str] | Template:
    """The app and redirect URI of an authorize request, or the error page Microsoft shows instead of redirecting."""
    problem = _tenant_problem(tenant)
    if problem:
        return _error_page(problem)
    client_id = params.get("client_id", "")
    app = state.microsoft_apps.get(client_id)
    if app is None:
        return _error_page(
            f"AADSTS700016: Application with identifier '{client_id}' was not found in the directory"
            f" '{tenant}'. You may have sent your authentication request to the wrong tenant."
        )
    redirect_uri = params.get("redirect_uri", "")
    if redirect_uri not in app.redirect_uris:
        return _error_page(
            f"AADSTS50011: The redirect URI '{redirect_uri}' specified in the request does not match"
            f" the redirect URIs configured for the application '{client_id}'."
        )
    return app, redirect_uri


def _refused(params: dict[str, str], redirect_uri: str) -> Redirect | None:
    """The redirect with an error when the request itself is wrong (after the app and redirect URI are known)."""
    state = params.get("state", "")
    response_type = params.get("response_type", "")
    if response_type != "code":
        description = f"AADSTS700054: response_type '{response_type}' is not enabled for the application."
        return _redirect_back(
            redirect_uri, error="unsupported_response_type", error_description=description, state=state
        )
    if not params.get("scope", "").strip():
        description = "AADSTS900144: The request body must contain the following parameter: 'scope'."
        return _redirect_back(redirect_uri, error="invalid_request", error_description=description, state=state)
    if params.get("prompt") == "none":  # the sandbox keeps no sign-in session to answer silently with
        description = f"AADSTS50058: {AADSTS[50058]}"
        return _redirect_back(redirect_uri, error="login_required", error_description=description, state=state)
    return None


def _consent_page(
    request: Request[Any, Any, Any], app: MicrosoftApp, params: dict[str, str], email: str, error: str | None = None
) -> Template:
    context = {
        "app": app,
        "hidden": {name: params[name] for name in CARRIED if params.get(name)},
        "asked": scopes.described(scopes.requested(params.get("scope", ""), app.permissions)),
        "email": email,
        "error": error,
        "action": request.url.path,
    }
    return Template("microsoft_consent.html", context=context, status_code=400 if error else 200)


@get(AUTHORIZE, sync_to_thread=False)
def authorize(request: Request[Any, Any, Any], state: State, tenant: FromPath[str]) -> Template | Redirect:
    params = dict(request.query_params)
    checked = _checked(state, tenant, params)
    if isinstance(checked, Template):
        return checked
    app, redirect_uri = checked
    refused = _refused(params, redirect_uri)
    if refused is not None:
        return refused
    email = params.get("login_hint") or request.cookies.get(EMAIL_COOKIE, "")
    return _consent_page(request, app, params, email)


@post(AUTHORIZE, sync_to_thread=False)
def decide(request: Request[Any, Any, Any], state: State, tenant: FromPath[str], data: Form) -> Template | Redirect:
    checked = _checked(state, tenant, data)
    if isinstance(checked, Template):
        return checked
    app, redirect_uri = checked
    if data.get("decision") != "allow":
        description = f"AADSTS65004: {AADSTS[65004]}"
        return _redirect_back(
            redirect_uri, error="access_denied", error_description=description, state=data.get("state", "")
        )
    refused = _refused(data, redirect_uri)
    if refused is not None:
        return refused
    email = data.get("email", "").strip()
    if not EMAIL.match(email):
        return _consent_page(request, app, data, email, "Enter the e-mail address of your work or school account.")
    store: MicrosoftStore = state.microsoft
    user = store.user_for_email(email)
    granted = scopes.requested(data["scope"], app.permissions)
    grant = store.consent(app.client_id, user.id, granted)
    challenge = data.get("code_challenge") or None
    code = store.new_code(
        grant,
        redirect_uri=redirect_uri,
        scopes=granted,
        challenge=challenge,
        method=(data.get("code_challenge_method") or "plain") if challenge else None,
    )
    response = _redirect_back(redirect_uri, code=code, state=data.get("state", ""), session_state=str(uuid.uuid4()))
    response.set_cookie(EMAIL_COOKIE, user.email, httponly=True, samesite="lax", path="/microsoft")
    return response


# The token endpoint


def _client(request: Request[Any, Any, Any], state: State, form: dict[str, str]) -> MicrosoftApp:
    client_id, secret = form.get("client_id", ""), form.get("client_secret")
    basic = basic_credentials(request.headers.get("authorization", ""))
    if basic is not None and secret is None and client_id in ("", basic[0]):
        client_id, secret = basic
    if not client_id:
        raise IdentityError(
            400, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'."
        )
    app = state.microsoft_apps.get(client_id)
    if app is None:
        text = f"Application with identifier '{client_id}' was not found in the directory."
        raise IdentityError(400, "unauthorized_client", 700016, text)
    if secret is None:
        raise IdentityError(401, "invalid_client", 7000218)
    if not app.check_secret(secret):
        raise IdentityError(401, "invalid_client", 7000215)
    return app


def _required(form: dict[str, str], name: str) -> str:
    if not form.get(name):
        raise IdentityError(
            400, "invalid_request", 900144, f"The request body must contain the following parameter: '{name}'."
        )
    return form[name]


def _live_grant(store: MicrosoftStore, grant_id: str) -> Grant:
    grant = store.grant(grant_id)
    if grant is None or grant.revoked:
        raise IdentityError(400, "invalid_grant", 50173)
    return grant


def _token_body(store: MicrosoftStore, grant: Grant, *, with_refresh: bool) -> dict[str, Any]:
    access, lifetime, refresh = store.issue_tokens(grant, with_refresh=with_refresh)
    body: dict[str, Any] = {
        "token_type": "Bearer",
        "scope": " ".join(scopes.resource_scopes(grant.scopes)),
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": access,
    }
    if refresh is not None:
        body["refresh_token"] = refresh
    return body


def _redeem(store: MicrosoftStore, app: MicrosoftApp, form: dict[str, str]) -> dict[str, Any]:
    row = store.redeem_code(_required(form, "code"))
    if row is None or row["client_id"] != app.client_id:
        raise IdentityError(400, "invalid_grant", 70000)
    if row["used"]:
        raise IdentityError(400, "invalid_grant", 54005)
    if row["expires_at"] <= time.time():
        raise IdentityError(400, "invalid_grant", 70008)
    redirect_uri = _required(form, "redirect_uri")
    if redirect_uri != row["redirect_uri"]:
        raise IdentityError(
            400,
            "invalid_grant",
            500112,
            f"The reply address '{redirect_uri}' does not match the"
            f" reply address '{row['redirect_uri']}' provided when requesting Authorization code.",
        )
    if not pkce_ok(row["code_challenge"], row["code_challenge_method"], form.get("code_verifier")):
        raise IdentityError(400, "invalid_grant", 501481)
    with_refresh = "offline_access" in {scopes.key(scope) for scope in row["scopes"].split()}
    return _token_body(store, _live_grant(store, row["grant_id"]), with_refresh=with_refresh)


def _refresh(store: MicrosoftStore, app: MicrosoftApp, form: dict[str, str]) -> dict[str, Any]:
    found = store.refresh_token(_required(form, "refresh_token"), app.client_id)
    if found is None:
        raise IdentityError(400, "invalid_grant", 9002313)
    grant, expires_at = found
    if grant.revoked:
        raise IdentityError(400, "invalid_grant", 50173)
    if expires_at <= time.time():
        raise IdentityError(400, "invalid_grant", 700082)
    if scopes.missing(scopes.requested(form.get("scope", ""), app.permissions), grant.scopes):
        # Microsoft documents this answer both as error=consent_required and as invalid_grant with
        # suberror=consent_required; this pair (plus AADSTS65001 in error_codes) is the safe reading for clients.
        text = (
            f"The user or administrator has not consented to use the application with ID '{app.client_id}'"
            f" named '{app.name}'. Send an interactive authorization request for this user and resource."
        )
        raise IdentityError(400, "invalid_grant", 65001, text, suberror="consent_required")
    # The old refresh token is not revoked: Microsoft's rotation only adds a new one.
    return _token_body(store, grant, with_refresh=True)


@post("/microsoft/login/{tenant:str}/oauth2/v2.0/token", status_code=200)
async def token(request: Request[Any, Any, Any], state: State, tenant: FromPath[str]) -> Response[Any]:
    if not _tenant_exists(tenant):
        raise IdentityError(400, "invalid_request", 90002, f"Tenant '{tenant}' not found.")
    form = await form_fields(request)
    app = _client(request, state, form)
    grant_type = _required(form, "grant_type")
    if grant_type == "authorization_code":
        body = _redeem(state.microsoft, app, form)
    elif grant_type == "refresh_token":
        await token_fault(request, state)
        body = _refresh(state.microsoft, app, form)
    else:
        raise IdentityError(
            400, "unsupported_grant_type", 70003, f"The app requested an unsupported grant type '{grant_type}'."
        )
    return Response(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


@get("/microsoft/login/error", sync_to_thread=False)
def error_code(request: Request[Any, Any, Any]) -> Template:
    """Where ``error_uri`` points: the code in words."""
    code = request.query_params.get("code", "")
    text = AADSTS.get(int(code)) if code.isdigit() else None
    return _error_page(f"AADSTS{code}: {text}" if text else "This error code is not one the sandbox answers with.", 200)


ROUTES = [authorize, decide, token, error_code]
