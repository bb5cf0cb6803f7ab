"""The one place outgoing HTTP clients are made: same timeouts and identification everywhere."""

from __future__ import annotations

import warnings
from typing import Any

import httpx
from authlib.deprecate import AuthlibDeprecationWarning

# Authlib 1.9 nudges towards its "httpx2" fork; we stay on httpx (pinned) until the fork is the well-kept choice.
# (Importing authlib.deprecate first: it installs an "always" filter that would otherwise come before ours.)
warnings.filterwarnings("ignore", message="The httpx module is deprecated", category=AuthlibDeprecationWarning)
from authlib.integrations.httpx_client import AsyncOAuth2Client  # noqa: E402

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
USER_AGENT = "MeetingsForSuperOffice/0.1"


def http_client(*, timeout: float | None = None, **options: Any) -> httpx.AsyncClient:
    """A plain client for JSON APIs and discovery documents (``timeout`` in seconds overrides the default)."""
    limit = TIMEOUT if timeout is None else httpx.Timeout(timeout, connect=min(timeout, 5.0))
    return httpx.AsyncClient(timeout=limit, headers={"User-Agent": USER_AGENT}, **options)


def oauth_client(client_id: str, client_secret: str, **options: Any) -> AsyncOAuth2Client:
    """An OAuth 2 client (Authlib over httpx) with the same timeouts."""
    return AsyncOAuth2Client(
        client_id=client_id,
        client_secret=client_secret,
        timeout=TIMEOUT,
        headers={"User-Agent": USER_AGENT},
        **options,
    )
