"""Zoom's OAuth (``https://zoom.us/oauth/...``), under ``/zoom`` in the sandbox.

Consent page with an ``Email`` field and ``Allow`` / ``Deny``; codes live 5 minutes and are single use; PKCE is
checked; the token endpoint takes HTTP Basic client auth only; every refresh returns a new refresh token and the old
one dies at once; ``/oauth/revoke`` uninstalls the app for that user and sends ``app_deauthorized``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.datastructures import State
from litestar.params import URLEncodedBody
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_302_FOUND, HTTP_400_BAD_REQUEST, HTTP_401_UNAUTHORIZED

from backend.sandbox.faults import FaultKind, Target
from backend.sandbox.oauth_requests import basic_credentials, form_fields, pkce_ok
from backend.sandbox.zoom.apps import ZoomApp, send_deauthorized
from backend.sandbox.zoom.faults import fault_response
from backend.sandbox.zoom.store import ACCESS_TOKEN_LIFETIME_SECONDS, SCOPES, ZoomStore, ZoomToken

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
EMAIL_COOKIE = "zoom_email"
Form = URLEncodedBody[dict[str, str]]


def _error_page(message: str, status_code: int = HTTP_400_BAD_REQUEST) -> Template:
    return Template("zoom_error.html", context={"message": message}, status_code=status_code)


def _redirect_back(redirect_uri: str, **params: str) -> Redirect:
    separator = "&" if "?" in redirect_uri else "?"
    return Redirect(f"{redirect_uri}{separator}{urlencode(params)}", status_code=HTTP_302_FOUND)


def _checked_request(state: State, params: dict[str, str]) -> tuple[ZoomApp, str] | Template:
    """The app and redirect URI of an authorize request, or the error page Zoom shows (never a redirect)."""
    app = state.zoom_apps.get(params.get("client_id", ""))
    if app is None:
        return _error_page("Invalid client_id: the app does not exist or is not published (error 4700).")
    redirect_uri = params.get("redirect_uri") or app.redirect_uris[0]
    if redirect_uri not in app.redirect_uris:
        return _error_page("Invalid redirect: the redirect URL is not on the app's allow list (error 4709).")
    return app, redirect_uri


@get("/zoom/oauth/authorize", sync_to_thread=False)
def consent(request: Request[Any, Any, Any], state: State) -> Template | Redirect:
    params = dict(request.query_params)
    checked = _checked_request(state, params)
    if isinstance(checked, Template):
        return checked
    app, redirect_uri = checked
    if params.get("response_type") != "code":
        return _redirect_back(redirect_uri, error="unsupported_response_type", state=params.get("state", ""))
    context = {"app": app, "params": params, "email": request.cookies.get(EMAIL_COOKIE, ""), "error": None}
    return Template("zoom_consent.html", context=context)


@post("/zoom/oauth/authorize", sync_to_thread=False)
def decide(state: State, data: Form) -> Template | Response[Any]:
    checked = _checked_request(state, data)
    if isinstance(checked, Template):
        return checked
    app, redirect_uri = checked
    if data.get("decision") != "allow":
        return _redirect_back(redirect_uri, error="access_denied", state=data.get("state", ""))
    email = data.get("email", "").strip()
    if not EMAIL.match(email):
        context = {
            "app": app,
            "params": data,
            "email": email,
            "error": "Enter the e-mail address of your Zoom account.",
        }
        return Template("zoom_consent.html", context=context, status_code=HTTP_400_BAD_REQUEST)
    store: ZoomStore = state.zoom
    user = store.user_for_email(email)
    code = store.new_code(
        client_id=app.client_id,
        user_id=user.id,
        redirect_uri=redirect_uri,
        challenge=data.get("code_challenge") or None,
        method=data.get("code_challenge_method") or None,
    )
    response = _redirect_back(redirect_uri, code=code, **({"state": data["state"]} if data.get("state") else {}))
    response.set_cookie(EMAIL_COOKIE, user.email, httponly=True, samesite="lax", path="/zoom")
    return response


def _token_error(status_code: int, error: str, reason: str) -> Response[Any]:
    return Response({"reason": reason, "error": error}, status_code=status_code)


def _token_body(token: ZoomToken) -> dict[str, Any]:
    return {
        "access_token": token.access_token,
        "token_type": "bearer",
        "refresh_token": token.refresh_token,
        "expires_in": ACCESS_TOKEN_LIFETIME_SECONDS,
        "scope": SCOPES,
        "api_url": "https://api.zoom.us",
    }


async def _client(request: Request[Any, Any, Any], state: State) -> ZoomApp | Response[Any]:
    credentials = basic_credentials(request.headers.get("authorization", ""))
    app = state.zoom_apps.get(credentials[0]) if credentials else None
    if app is None or credentials is None or not app.check_secret(credentials[1]):
        return _token_error(HTTP_401_UNAUTHORIZED, "invalid_client", "Invalid client_id or client_secret")
    return app


@post("/zoom/oauth/token", status_code=200)
async def token(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    app = await _client(request, state)
    if isinstance(app, Response):
        return app
    form = await form_fields(request)
    store: ZoomStore = state.zoom
    grant_type = form.get("grant_type")
    if grant_type == "authorization_code":
        row = store.redeem_code(form.get("code", ""), app.client_id)
        if row is None or row["redirect_uri"] != form.get("redirect_uri", row["redirect_uri"]):
            return _token_error(HTTP_400_BAD_REQUEST, "invalid_grant", "Invalid authorization code")
        if not pkce_ok(row["code_challenge"], row["code_challenge_method"], form.get("code_verifier")):
            return _token_error(HTTP_400_BAD_REQUEST, "invalid_grant", "Invalid code_verifier")
        return Response(_token_body(store.issue_token(app.client_id, row["user_id"])))
    if grant_type == "refresh_token":
        fault = state.faults.take("zoom", Target.TOKEN)
        if fault is not None:
            if fault.kind is FaultKind.INVALID_GRANT:
                return _token_error(HTTP_400_BAD_REQUEST, "invalid_grant", "Invalid Token!")
            return await fault_response(request, fault)
        rotated = store.rotate(form.get("refresh_token", ""), app.client_id)
        if rotated is None:
            return _token_error(HTTP_400_BAD_REQUEST, "invalid_grant", "Invalid Token!")
        return Response(_token_body(rotated))
    return _token_error(HTTP_400_BAD_REQUEST, "unsupported_grant_type", "Unsupported grant type")


@post("/zoom/oauth/revoke", status_code=200)
async def revoke(request: Request[Any, Any, Any], state: State) -> Response[Any]:
    """``POST https://zoom.us/oauth/revoke?token=...`` with HTTP Basic client auth, the token as a query parameter as
    in Zoom's samples (zoom/zoom-plugin ``skills/oauth``, "Revoke an access token"); a token in the body is not read.
    Without any token Zoom's answer is not JSON (UNCONFIRMED which page exactly: the emulator sends plain text)."""
    app = await _client(request, state)
    if isinstance(app, Response):
        return app
    token = request.query_params.get("token", "")
    if not token:
        return Response("Bad Request", status_code=HTTP_400_BAD_REQUEST, media_type="text/plain")
    store: ZoomStore = state.zoom
    user_id = store.owner_of(token, app.client_id)
    if user_id is None:
        return _token_error(HTTP_400_BAD_REQUEST, "invalid_request", "Invalid Token!")
    store.revoke_user(app.client_id, user_id)
    user = store.user(user_id)
    notify = BackgroundTask(send_deauthorized, app, account_id=user.account_id if user else "", user_id=user_id)
    return Response({"status": "success"}, background=notify)


ROUTES = [consent, decide, token, revoke]
