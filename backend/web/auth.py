"""Sign-in with SuperOffice: ``/auth/login`` → SuperOffice → ``/auth/callback``; ``/auth/logout``."""

from __future__ import annotations

import secrets
from typing import Any

from litestar import Request, get, post
from litestar.datastructures import State
from litestar.params import FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from backend.crm.superoffice import PendingSignIn, SignInError
from backend.services.crm_grants import remember_crm_grant
from backend.services.signin import tenant_for_sign_in
from backend.web.dependencies import Cipher, DbSession
from backend.web.session_user import (
    SignedInUser,
    remember_pending_sign_in,
    safe_next,
    start_session,
    take_pending_sign_in,
)

GRANT_KEEPING_PATHS = ("/extension/connect", "/connect", "/panel/sign-in")
ADMINISTRATION = "/admin"


@get("/auth/login")
async def login(request: Request[Any, Any, Any], state: State, next: FromQuery[str | None] = None) -> Redirect:
    """Send the browser to SuperOffice's sign-in, with a fresh state, nonce and PKCE verifier."""
    pending = PendingSignIn.new()
    url = await state.superoffice.authorization_url(pending)
    remember_pending_sign_in(request, pending, safe_next(next))
    return Redirect(url)


@get("/auth/callback")
async def callback(
    request: Request[Any, Any, Any],
    state: State,
    db_session: DbSession,
    cipher: Cipher,
) -> Redirect:
    """SuperOffice sends the browser back here with a code; the session must hold the matching sign-in."""
    # Read by hand: the OAuth parameter "state" would clash with Litestar's injected application state.
    query = request.query_params
    code, returned_state = query.get("code"), query.get("state")
    error, error_description = query.get("error"), query.get("error_description")
    pending = take_pending_sign_in(request)
    if error:
        raise SignInError(f"SuperOffice did not sign you in: {error_description or error}. Please try again.")
    if pending is None:
        raise SignInError("This sign-in has expired or was started in another browser. Please sign in again.")
    started, next_path = pending
    if not code or not returned_state or not secrets.compare_digest(returned_state, started.state):
        raise SignInError("This sign-in answer does not belong to the sign-in you started. Please sign in again.")
    identity, tokens = await state.superoffice.complete(started, code=code)
    tenant = await tenant_for_sign_in(db_session, identity)
    keeps_grant = next_path.startswith(GRANT_KEEPING_PATHS) or (
        identity.is_administrator and next_path.startswith(ADMINISTRATION)
    )
    if tenant is not None and tenant.id is not None and keeps_grant:
        # Kept for background work as this user, and only for people who make meetings (they sign in here to
        # connect the extension or their provider: reading an appointment's participants to send invitations) and
        # administrators (the company's webhook is registered, checked and removed at SuperOffice as them).
        await remember_crm_grant(
            db_session, cipher, tenant_id=tenant.id, associate_id=identity.associate_id, tokens=tokens
        )
    start_session(request, SignedInUser.from_identity(identity, tenant.id if tenant else None), for_path=next_path)
    return Redirect(next_path, status_code=HTTP_303_SEE_OTHER)


@post("/auth/logout")
async def logout(request: Request[Any, Any, Any]) -> Redirect:
    request.clear_session()
    return Redirect("/", status_code=HTTP_303_SEE_OTHER)


def sign_in_error_page(request: Request[Any, Any, Any], error: SignInError) -> Template:
    return Template("pages/sign_in_error.html", context={"message": str(error)}, status_code=error.status_code)


ROUTES = [login, callback, logout]
