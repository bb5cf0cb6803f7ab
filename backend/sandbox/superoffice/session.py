"""Who is signed in to the emulated CRM (a cookie session of the sandbox's own)."""

from __future__ import annotations

from typing import Any

from litestar import Request

from backend.sandbox.superoffice.demo_world import DemoAssociate, find_associate


def signed_in_associate(request: Request[Any, Any, Any]) -> DemoAssociate | None:
    session = request.session or {}
    context_id, associate_id = session.get("ctx"), session.get("associate_id")
    if not isinstance(context_id, str) or not isinstance(associate_id, int):
        return None
    return find_associate(context_id, associate_id)


def sign_in(request: Request[Any, Any, Any], associate: DemoAssociate) -> None:
    request.set_session({"ctx": associate.context_id, "associate_id": associate.associate_id})


def safe_next(target: str | None) -> str:
    """Only paths on this site: never an open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
