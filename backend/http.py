"""The one place outgoing HTTP clients are made: same timeouts and identification everywhere."""

from __future__ import annotations

import ssl
import warnings
from functools import cache
from typing import Any

import httpx
from authlib.deprecate import AuthlibDeprecationWarning

# Authlib 1.9 nudges towards its "httpx2" fork; we stay on httpx (pinned) until the fork is the well-kept choice.
# (Importing authlib.deprecate first: it installs an "always" filter that would otherwise come before ours.)
warnings.filterwarnings("ignore", message="The httpx module is deprecated", category=AuthlibDeprecationWarning)
from authlib.integrations.httpx_client import AsyncOAuth2Client  # noqa: E402

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
USER_AGENT = "MeetingsForSuperOffice/0.1"


@cache
def tls_context() -> ssl.SSLContext:
    """The one TLS configuration of every client (httpx's own default, SSL_CERT_FILE and SSL_CERT_DIR included).
    Made once: loading the CAs takes longer than a whole request to a nearby server, and a sign-in makes a client
    per request."""
    return httpx.create_ssl_context()


def http_client(*, timeout: float | None = None, **options: Any) -> httpx.AsyncClient:
    """A plain client for JSON APIs and discovery documents (``timeout`` in seconds overrides the default)."""
    limit = TIMEOUT if timeout is None else httpx.Timeout(timeout, connect=min(timeout, 5.0))
    options.setdefault("verify", tls_context())
    return httpx.AsyncClient(timeout=limit, headers={"User-Agent": USER_AGENT}, **options)


def oauth_client(client_id: str, client_secret: str, **options: Any) -> AsyncOAuth2Client:
    """An OAuth 2 client (Authlib over httpx) with the same timeouts."""
    options.setdefault("verify", tls_context())
    return AsyncOAuth2Client(
        client_id=client_id,
        client_secret=client_secret,
        timeout=TIMEOUT,
        headers={"User-Agent": USER_AGENT},
        **options,
    )
