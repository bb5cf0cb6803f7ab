"""Every route of the Google emulator, and how its errors are answered."""

from __future__ import annotations

from typing import Any

from backend.sandbox.google import control, discovery, meet, oauth, pages

ROUTES: list[Any] = [*oauth.ROUTES, *discovery.ROUTES, *meet.ROUTES, *pages.ROUTES, *control.ROUTES]
EXCEPTION_HANDLERS: dict[Any, Any] = {**meet.EXCEPTION_HANDLERS}
