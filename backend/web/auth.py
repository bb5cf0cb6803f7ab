"""Sign-in with SuperOffice: ``/auth/login`` → SuperOffice → ``/auth/callback``; ``/auth/logout``."""

from __future__ import annotations

import logging
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


log = logging.getLogger(__name__)
SIGN_IN_REFUSED = "SuperOffice did not sign you in. Please try again."
SIGN_IN_REFUSALS = {
    # RFC 6749 4.1.2.1 and OpenID Connect Core 3.1.2.6: the error codes an authorization server sends back.
    "access_denied": "You did not allow Meetings for SuperOffice to sign you in. To use video meetings, sign in "
    "again and allow it.",
    "login_required": "Sign in to SuperOffice first, then try again.",
    "interaction_required": "SuperOffice needs you to sign in again. Please try again.",
    "consent_required": "SuperOffice asks you to allow Meetings for SuperOffice. Sign in again and allow it; if "
    "SuperOffice does not let you, ask your SuperOffice administrator.",
    "temporarily_unavailable": "SuperOffice's sign-in is not available right now. Try again in a few minutes.",
    "server_error": "SuperOffice's sign-in had a problem. Try again in a few minutes.",
}


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
    error = query.get("error")
    pending = take_pending_sign_in(request)
    if error:
        # Only our own words: anyone can put a link to this page with any error_description in an e-mail, and our
        # domain must not lend it credibility. The operator finds SuperOffice's own text in the log.
        log.info("SuperOffice refused a sign-in: %r %r", error[:64], query.get("error_description", "")[:300])
        raise SignInError(SIGN_IN_REFUSALS.get(error, SIGN_IN_REFUSED))
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
