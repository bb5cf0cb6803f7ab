"""The emulators' own requests (webhook deliveries, security events): a client per delivery, as a service sends
them, on one TLS configuration made once (loading the CAs costs more than a delivery to a nearby backend)."""

from __future__ import annotations

import ssl
from functools import cache

import httpx


@cache
def _tls_context() -> ssl.SSLContext:
    return httpx.create_ssl_context()


def delivery_client(timeout: float) -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=timeout, verify=_tls_context())
