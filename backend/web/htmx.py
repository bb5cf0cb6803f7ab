"""Page or partial: how our handlers read htmx 4's request headers (see static/VENDORED.md)."""

from __future__ import annotations

from typing import Any

from litestar import Request


def wants_partial(request: Request[Any, Any, Any]) -> bool:
    """True for an htmx request that swaps part of the page; False for a normal or boosted (whole-body) one.

    htmx 4 says so itself in ``HX-Request-Type``; Litestar's ``request.htmx`` predates that header.
    """
    return request.headers.get("hx-request") == "true" and request.headers.get("hx-request-type") == "partial"


def is_htmx(request: Request[Any, Any, Any]) -> bool:
    return request.headers.get("hx-request") == "true"
