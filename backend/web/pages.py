"""Pages for people who arrive at the backend itself."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Redirect, Template

from backend.web.session_user import current_user


@get("/", sync_to_thread=False)
def home(request: Request[Any, Any, Any]) -> Template | Redirect:
    """Administrators go to the configuration page; everyone else reads how to use video meetings."""
    user = current_user(request)
    if user is not None and user.is_administrator and user.tenant_id is not None:
        return Redirect("/admin/video-meetings")
    return Template("pages/home.html", context={"user": user})
