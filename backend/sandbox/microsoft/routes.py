"""Every route of the Microsoft emulator, and how its errors are answered."""

from __future__ import annotations

from typing import Any

ROUTES: list[Any] = []
EXCEPTION_HANDLERS: dict[Any, Any] = {}
