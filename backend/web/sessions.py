"""Browser sessions at our pages: server-side (the cookie holds a random id, the data sits in the session store), so
signing out ends a session wherever its cookie went, and a new id is given at every sign-in (no session fixation)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.types import Empty, Message, ScopeSession

SESSION_COOKIE = "meetings_session"
SESSION_STORE = "sessions"
SESSION_LIFETIME_SECONDS = 8 * 3600
_ROTATE = "meetings.rotate_session"
_NEW_ID = "meetings.new_session_id"
_LOADED = "meetings.loaded_session"


def rotate_session_id(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    """Store this request's session under a new id (and drop the old one): call at sign-in."""
    connection.scope.setdefault("state", {})[_ROTATE] = True


class RotatingSessionBackend(ServerSideSessionBackend):
    """Litestar's server-side backend, writing only what changed: it stores nothing for a visitor without a session
    (an anonymous page view, a static file), nothing when a request left the session as it was, and ends a session
    that became empty. Sessions therefore last 8 hours from their last change (a sign-in), not from their last use."""

    def get_session_id(self, connection: ASGIConnection[Any, Any, Any, Any]) -> str:
        return connection.scope.get("state", {}).get(_NEW_ID) or super().get_session_id(connection)

    async def load_from_connection(self, connection: ASGIConnection[Any, Any, Any, Any]) -> dict[str, Any]:
        data = await super().load_from_connection(connection)
        connection.scope.setdefault("state", {})[_LOADED] = self.serialize_data(data, connection.scope) if data else b""
        return data

    async def store_in_message(
        self, scope_session: ScopeSession, message: Message, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> None:
        state = connection.scope.setdefault("state", {})
        loaded, rotate = state.get(_LOADED, b""), state.pop(_ROTATE, False)
        if scope_session is Empty or not scope_session:
            if loaded or connection.cookies.get(self.config.key):  # a session (or a stale cookie) to end
                await super().store_in_message(Empty, message, connection)
            return
        if not rotate and loaded and self.serialize_data(scope_session, connection.scope) == loaded:
            return  # unchanged: the browser's cookie and the stored session stay as they are
        if rotate:
            if old := connection.cookies.get(self.config.key):
                await self.delete(old, store=self.config.get_store_from_app(connection.scope["app"]))
            state[_NEW_ID] = self.generate_session_id()
        await super().store_in_message(scope_session, message, connection)


@dataclass
class SessionConfig(ServerSideSessionConfig):
    _backend_class = RotatingSessionBackend


def session_config(*, secure: bool) -> SessionConfig:
    return SessionConfig(
        key=SESSION_COOKIE,
        store=SESSION_STORE,
        httponly=True,
        secure=secure,
        samesite="lax",
        max_age=SESSION_LIFETIME_SECONDS,
    )
