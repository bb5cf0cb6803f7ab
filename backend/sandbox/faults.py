"""Fault switches for the provider emulators: make the next N calls fail the way real providers fail.

Tests arm them over HTTP (``POST /_sandbox/faults``), as they reach everything else in the sandbox.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import anyio
from litestar import delete, get, post
from litestar.datastructures import State
from litestar.exceptions import ValidationException
from litestar.params import JSONBody
from litestar.status_codes import HTTP_204_NO_CONTENT
from litestar.types import Receive


class FaultKind(StrEnum):
    RATE_LIMITED = "rate_limited"
    """429 with Retry-After (seconds)."""
    DAILY_LIMIT = "daily_limit"
    """429 with Retry-After as a timestamp, as Zoom's daily limit answers."""
    SERVER_ERROR = "server_error"
    """500."""
    HANG = "hang"
    """No answer for longer than any client waits."""
    INVALID_GRANT = "invalid_grant"
    """The token endpoint refuses the refresh token, as when the user revoked the app."""
    CONSENT_REQUIRED = "consent_required"
    """Microsoft's token endpoint only: the consent behind the grant was withdrawn (an administrator removed the app's
    permission grant), so a refresh is answered 400 ``invalid_grant`` with AADSTS65001 and ``suberror``
    ``consent_required``, the body quoted in learn.microsoft.com/en-us/answers/questions/1520238 (a refresh after the
    tenant's consent was gone). Zoom and Google have no such answer."""


class Target(StrEnum):
    API = "api"
    TOKEN = "token"
    SMTP = "smtp"
    """The mailbox's SMTP server (provider ``mail``): any fault makes it answer 451, try again later."""


@dataclass
class Fault:
    kind: FaultKind
    remaining: int
    retry_after_seconds: int = 1
    spared: int = 0
    """Calls that still succeed before the fault starts (a server that fails in the middle of a batch)."""


class Faults:
    """Armed faults per provider and target; each call that meets one uses it up."""

    HANG_SECONDS = 30.0

    def __init__(self) -> None:
        self._armed: dict[tuple[str, Target], list[Fault]] = {}
        self._lock = threading.Lock()

    def arm(
        self, provider: str, target: Target, kind: FaultKind, count: int, retry_after_seconds: int = 1, after: int = 0
    ) -> None:
        with self._lock:
            self._armed.setdefault((provider, target), []).append(Fault(kind, count, retry_after_seconds, after))

    def clear(self) -> None:
        with self._lock:
            self._armed.clear()

    def armed(self) -> list[dict[str, Any]]:
        """The faults still waiting for a call: a test knows a request reached the emulator when its fault is gone."""
        with self._lock:
            return [
                {"provider": provider, "target": target.value, "fault": fault.kind.value, "remaining": fault.remaining}
                for (provider, target), queue in self._armed.items()
                for fault in queue
                if fault.remaining > 0
            ]

    def take(self, provider: str, target: Target) -> Fault | None:
        """The next armed fault for this call, used up by it; None when the call should succeed."""
        with self._lock:
            queue = self._armed.get((provider, target), [])
            while queue and queue[0].remaining <= 0:
                queue.pop(0)
            if not queue:
                return None
            if queue[0].spared > 0:
                queue[0].spared -= 1
                return None
            queue[0].remaining -= 1
            return Fault(queue[0].kind, 1, queue[0].retry_after_seconds)

    async def hang(self, receive: Receive) -> None:
        """Answer nothing until the client gives up (or HANG_SECONDS pass), as an overloaded server does."""
        with anyio.move_on_after(self.HANG_SECONDS):
            while (await receive())["type"] != "http.disconnect":
                pass


@post("/_sandbox/faults", status_code=HTTP_204_NO_CONTENT)
async def arm_fault(state: State, data: JSONBody[dict[str, Any]]) -> None:
    """Arm a fault: ``{"provider": "zoom", "fault": "rate_limited", "count": 2, "target": "api"}``.

    ``"after": n`` lets n calls through first. The mail sink is ``{"provider": "mail", "target": "smtp"}``.
    """
    try:
        kind, target = FaultKind(data["fault"]), Target(data.get("target", "api"))
        if kind is FaultKind.CONSENT_REQUIRED and (data["provider"], target) != ("microsoft", Target.TOKEN):
            raise ValidationException("consent_required is how Microsoft's token endpoint answers a refresh only: "
                                      "give provider microsoft and target token.")  # fmt: skip
        state.faults.arm(
            provider=str(data["provider"]),
            target=target,
            kind=kind,
            count=int(data.get("count", 1)),
            retry_after_seconds=int(data.get("retry_after_seconds", 1)),
            after=int(data.get("after", 0)),
        )
    except (KeyError, ValueError) as error:
        kinds = ", ".join(kind.value for kind in FaultKind)
        raise ValidationException(
            f"Give provider, fault (one of {kinds}), count and target (api, token or smtp)."
        ) from error


@get("/_sandbox/faults", sync_to_thread=False)
def armed_faults(state: State) -> list[dict[str, Any]]:
    """The armed faults not used up yet."""
    return state.faults.armed()


@delete("/_sandbox/faults", status_code=HTTP_204_NO_CONTENT, sync_to_thread=False)
def clear_faults(state: State) -> None:
    state.faults.clear()


ROUTES = [arm_fault, armed_faults, clear_faults]
