"""Who is signed in to the backend (a SuperOffice user), kept in the server-side session (``web/sessions``)."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler

from backend.crm.superoffice import CrmIdentity, PendingSignIn
from backend.services.audit import Actor
from backend.web.sessions import rotate_session_id

USER_KEY = "user"
PENDING_KEY = "sign_in"
PENDING_LIFETIME_SECONDS = 600


@dataclass(frozen=True)
class SignedInUser:
    context_id: str
    associate_id: int
    email: str
    is_administrator: bool
    company_name: str
    tenant_id: int | None
    """Our tenant row; None while the company's administrator has not set the service up."""
    name: str = ""
    role_checked_at: float = 0.0
    """When SuperOffice last said whether this user is an administrator (their id token), in epoch seconds."""

    @classmethod
    def from_identity(cls, identity: CrmIdentity, tenant_id: int | None) -> SignedInUser:
        return cls(
            role_checked_at=time.time(),
            context_id=identity.context_id,
            associate_id=identity.associate_id,
            email=identity.email,
            is_administrator=identity.is_administrator,
            company_name=identity.company_name,
            tenant_id=tenant_id,
            name=identity.name,
        )

    def actor(self) -> Actor:
        """Who acts in the administrator's pages (an administrator, or a user where users may act)."""
        return Actor(
            kind="admin" if self.is_administrator else "user", associate_id=self.associate_id, email=self.email
        )

    def actor_as_user(self) -> Actor:
        """Who acts on their own behalf (connecting or disconnecting themselves), administrator or not."""
        return Actor(kind="user", associate_id=self.associate_id, email=self.email)


class SignInRequired(Exception):
    """Raised by guards; answered with a trip to SuperOffice's sign-in and back to ``next_path``."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class AdministratorRequired(Exception):
    """Raised by guards; answered with a 403 page that says why and how to get access."""

    def __init__(self, user: SignedInUser) -> None:
        super().__init__(user.email)
        self.user = user


def current_user(connection: ASGIConnection[Any, Any, Any, Any]) -> SignedInUser | None:
    data = (connection.scope.get("session") or {}).get(USER_KEY)
    if not isinstance(data, dict):
        return None
    try:
        return SignedInUser(**data)
    except TypeError:  # a cookie from an older release: sign in again
        return None


VERIFIED_FOR_KEY = "verified_for"


def start_session(connection: ASGIConnection[Any, Any, Any, Any], user: SignedInUser, *, for_path: str = "") -> None:
    """Replace whatever the session held (a pending sign-in, another user) with this user; ``for_path``: the page
    this sign-in was made for (see require_fresh_sign_in)."""
    connection.set_session({USER_KEY: asdict(user), VERIFIED_FOR_KEY: for_path})
    rotate_session_id(connection)  # a session id known before the sign-in is worth nothing after it


def require_fresh_sign_in(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """For pages that act for "whoever uses SuperOffice in this browser now" (connecting the extension or one's
    own provider account): every visit asks SuperOffice again, so a session left by another user (say, the
    administrator who configured the service in this browser) is never taken for the current one. Signed in to
    SuperOffice, this is a quick round trip without a form."""
    session = dict(connection.scope.get("session") or {})
    here = _here(connection)
    if current_user(connection) is None or session.get(VERIFIED_FOR_KEY) != here:
        raise SignInRequired(here)
    session[VERIFIED_FOR_KEY] = ""  # used up: the next visit asks again
    connection.set_session(session)


def remember_pending_sign_in(connection: ASGIConnection[Any, Any, Any, Any], pending: PendingSignIn, next_path: str):
    session = dict(connection.scope.get("session") or {})
    session[PENDING_KEY] = {**asdict(pending), "next": next_path, "expires": time.time() + PENDING_LIFETIME_SECONDS}
    connection.set_session(session)


def take_pending_sign_in(connection: ASGIConnection[Any, Any, Any, Any]) -> tuple[PendingSignIn, str] | None:
    """The pending sign-in, removed from the session on first use; None when absent or expired."""
    session = dict(connection.scope.get("session") or {})
    data = session.pop(PENDING_KEY, None)
    connection.set_session(session)
    if not isinstance(data, dict) or data.get("expires", 0) < time.time():
        return None
    try:
        return PendingSignIn(state=data["state"], nonce=data["nonce"], code_verifier=data["code_verifier"]), data[
            "next"
        ]
    except KeyError:
        return None


def require_signed_in(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    if current_user(connection) is None:
        raise SignInRequired(_here(connection))


ROLE_RECHECK_SECONDS = 15 * 60


def require_administrator(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Administrators only, as SuperOffice said within the last 15 minutes: its id token is the only place that says
    who is an administrator, so an older answer is asked for again with a sign-in (a quick round trip while the
    person is signed in to SuperOffice). A role taken away in SuperOffice thus ends access within 15 minutes, and
    no configuration changes on an older answer."""
    user = current_user(connection)
    if user is None:
        raise SignInRequired(_here(connection))
    if user.is_administrator and time.time() - user.role_checked_at > ROLE_RECHECK_SECONDS:
        raise SignInRequired(_here(connection))
    if not user.is_administrator or user.tenant_id is None:
        raise AdministratorRequired(user)


def _here(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    if connection.scope.get("method", "GET") != "GET":
        # A form post cannot be replayed after sign-in: back to the page it was sent from (ours only), or home.
        referer, public = urlsplit(connection.headers.get("referer", "")), urlsplit(connection.app.state.public_url)
        ours = (referer.scheme, referer.netloc) == (public.scheme, public.netloc)
        return safe_next(referer.path + (f"?{referer.query}" if referer.query else "")) if ours else "/"
    query = connection.scope.get("query_string", b"").decode("latin-1")
    return connection.url.path + (f"?{query}" if query else "")


def safe_next(target: str | None, default: str = "/") -> str:
    """Only paths of this site: never an open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target
