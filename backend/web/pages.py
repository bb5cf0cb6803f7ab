"""Pages for people who arrive at the backend itself."""

from __future__ import annotations

from litestar import get
from litestar.response import Template


@get("/", sync_to_thread=False)
def home() -> Template:
    """What the service is and where to start."""
    return Template(template_name="pages/home.html")
