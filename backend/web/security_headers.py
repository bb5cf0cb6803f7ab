"""Security headers on every response: our own scripts and styles only, no framing (but the web panel's, by the
company's CRM), no referrer leaks."""

from __future__ import annotations

from collections.abc import Callable

from litestar.types import ASGIApp, Message, Receive, Scope, Send


def content_security_policy(*, frame_ancestors: list[str] | None = None) -> str:
    """Our own scripts and styles only; framing by nobody, or (the web panel) by exactly these origins."""
    ancestors = " ".join(frame_ancestors) if frame_ancestors else "'none'"
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            f"frame-ancestors {ancestors}",
        ]
    )


CONTENT_SECURITY_POLICY = content_security_policy()
NO_STORE = {"cache-control": "no-store"}
"""For answers that hold a token or code: never kept by the browser's cache or a proxy."""


def security_headers(secure: bool) -> Callable[[ASGIApp], ASGIApp]:
    headers = [
        (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        # OAuth codes travel in query strings: never hand a full URL to another site.
        (b"referrer-policy", b"same-origin"),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    ]
    if secure:
        headers.append((b"strict-transport-security", b"max-age=31536000"))

    def middleware(app: ASGIApp) -> ASGIApp:
        async def with_headers(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return

            async def send_with_headers(message: Message) -> None:
                if message["type"] == "http.response.start":
                    present = {name.lower() for name, _ in message.get("headers", [])}
                    if b"content-security-policy" in present:  # a page that sets its own framing rule
                        present.add(b"x-frame-options")
                    message["headers"] = [*message.get("headers", []), *(h for h in headers if h[0] not in present)]
                await send(message)

            await app(scope, receive, send_with_headers)

        return with_headers

    return middleware
