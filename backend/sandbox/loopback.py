"""The mailbox and the emulators' ``_sandbox`` controls answer only this computer.

They exist for the person running the sandbox and for tests, and need no sign-in: the mailbox shows every invitation
the mail sink caught, the controls arm faults, list, end and revoke what the emulators hold. A sandbox reachable from
elsewhere (listening on ``0.0.0.0``) must not hand them to anyone who finds it; the emulated services themselves stay
reachable, as a browser on another computer needs them.
"""

from __future__ import annotations

import ipaddress

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.response.base import ASGIResponse
from litestar.types import ASGIApp, Receive, Scope, Send

REFUSAL = (
    "The sandbox's mailbox and control endpoints answer only on this computer: "
    "open them at 127.0.0.1 (or localhost) from the machine the sandbox runs on."
)


def is_control_path(path_template: str) -> bool:
    """Whether a route is the mailbox or a ``_sandbox`` control endpoint (decided on the route, not the raw path)."""
    segments = [segment for segment in path_template.split("/") if segment]
    return "_sandbox" in segments or segments[:1] == ["mailbox"]


def is_loopback_client(scope: Scope) -> bool:
    """Whether the connection comes from this computer (127.0.0.0/8, ::1, or IPv4 loopback written as IPv6)."""
    client = scope.get("client")
    if not client:
        return False  # no address (a Unix socket, a test without one): not known to be this computer
    try:
        address = ipaddress.ip_address(client[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


class LoopbackOnlyControls(ASGIMiddleware):
    """Answers 403 with a plain message to a request for the mailbox or a control endpoint from elsewhere."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if is_control_path(scope.get("path_template", scope["path"])) and not is_loopback_client(scope):
            refusal = ASGIResponse(body=REFUSAL, status_code=403, media_type="text/plain; charset=utf-8")
            await refusal(scope, receive, send)
            return
        await next_app(scope, receive, send)
