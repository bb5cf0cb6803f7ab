"""Waiting for something that happens asynchronously (webhooks), without fixed sleeps."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def eventually(check: Callable[[], T], *, timeout: float = 10.0, interval: float = 0.1) -> T:
    """The first truthy result of ``check``; fails with the last result when the time is up."""
    deadline = time.monotonic() + timeout
    result = check()
    while not result and time.monotonic() < deadline:
        time.sleep(interval)
        result = check()
    assert result, f"still not true after {timeout} s: {result!r}"
    return result
