"""Fixtures for tests that act as extension users over HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.support.extension_api import ExtensionUser, extension_user
from tests.support.live import LiveServers

MakeUser = Callable[..., ExtensionUser]


@pytest.fixture
def make_extension_user(live: LiveServers) -> Iterator[MakeUser]:
    """``make_extension_user("anna", zoom_email=...)``; every user's HTTP clients are closed afterwards."""
    made: list[ExtensionUser] = []

    def make(username: str, *, zoom_email: str | None = None, **provider: Any) -> ExtensionUser:
        user = extension_user(live, username, zoom_email=zoom_email, **provider)
        made.append(user)
        return user

    yield make
    for user in made:
        user.api.close()
        user.browser.close()
