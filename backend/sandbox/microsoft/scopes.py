"""Scopes as the identity platform reads them: case-insensitive, Graph's with or without their resource prefix."""

from __future__ import annotations

GRAPH = "https://graph.microsoft.com/"
OIDC = frozenset({"offline_access", "openid", "profile", "email"})
"""Scopes about the sign-in itself: never part of an access token's ``scope``."""

WORDS = {
    "user.read": "Sign you in and read your profile",
    "onlinemeetings.readwrite": "Read and create your online meetings",
    "onlinemeetings.read": "Read your online meetings",
    "calendars.readwrite": "Have full access to your calendars",
    "calendars.read": "Read your calendars",
    "offline_access": "Maintain access to data you have given it access to",
    "openid": "Sign you in",
    "profile": "View your basic profile",
    "email": "View your email address",
}

READ_PROFILE = frozenset({"user.read", "user.readwrite", "user.readbasic.all", "user.read.all", "user.readwrite.all"})
READ_MEETINGS = frozenset({"onlinemeetings.read", "onlinemeetings.readwrite"})
WRITE_MEETINGS = frozenset({"onlinemeetings.readwrite"})


def key(scope: str) -> str:
    """How two spellings of one scope compare: ``https://graph.microsoft.com/User.Read`` is ``user.read``."""
    lowered = scope.lower()
    return lowered[len(GRAPH) :] if lowered.startswith(GRAPH) else lowered


def requested(scope_parameter: str, default_permissions: tuple[str, ...]) -> tuple[str, ...]:
    """The scopes asked for, each once; ``.default`` stands for the app registration's configured permissions."""
    chosen: list[str] = []
    for scope in scope_parameter.split():
        expanded = default_permissions if key(scope) == ".default" else (scope,)
        chosen += [one for one in expanded if key(one) not in {key(seen) for seen in chosen}]
    return tuple(chosen)


def resource_scopes(scopes: tuple[str, ...]) -> tuple[str, ...]:
    """What an access token carries: the scopes without the sign-in ones."""
    return tuple(scope for scope in scopes if key(scope) not in OIDC)


def missing(asked: tuple[str, ...], granted: tuple[str, ...]) -> tuple[str, ...]:
    """Resource scopes asked for but never consented to."""
    have = {key(scope) for scope in granted}
    return tuple(scope for scope in resource_scopes(asked) if key(scope) not in have)


def has_any(scopes: tuple[str, ...], needed: frozenset[str]) -> bool:
    return any(key(scope) in needed for scope in scopes)


def described(scopes: tuple[str, ...]) -> list[str]:
    """The consent page's list, in words where Microsoft has words for them."""
    return [WORDS.get(key(scope), scope) for scope in scopes]
