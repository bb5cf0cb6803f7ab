"""Every route of the Microsoft emulator, and how its errors are answered."""

from __future__ import annotations

from typing import Any

from backend.sandbox.microsoft import control, graph, login, pages
from backend.sandbox.microsoft.errors import EXCEPTION_HANDLERS

ROUTES: list[Any] = [*login.ROUTES, *graph.ROUTES, *pages.ROUTES, *control.ROUTES]

__all__ = ["EXCEPTION_HANDLERS", "ROUTES"]
