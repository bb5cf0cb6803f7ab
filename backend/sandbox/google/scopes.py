"""The OAuth scopes the Google emulator knows, in words for the consent page."""

from __future__ import annotations

OPENID = "openid"
EMAIL = "https://www.googleapis.com/auth/userinfo.email"
PROFILE = "https://www.googleapis.com/auth/userinfo.profile"
MEET_CREATED = "https://www.googleapis.com/auth/meetings.space.created"
MEET_READONLY = "https://www.googleapis.com/auth/meetings.space.readonly"
MEET_SETTINGS = "https://www.googleapis.com/auth/meetings.space.settings"
CALENDAR_EVENTS = "https://www.googleapis.com/auth/calendar.events"

DESCRIPTIONS = {
    OPENID: "Associate you with your personal info on Google",
    EMAIL: "See your primary Google Account email address",
    PROFILE: "See your personal info, including any personal info you've made publicly available",
    MEET_CREATED: "Create, edit, and see information about your Google Meet conferences created by the app",
    MEET_READONLY: "Read information about any of your Google Meet conferences",
    MEET_SETTINGS: "Edit, and see settings for all of your Google Meet calls",
    CALENDAR_EVENTS: "View and edit events on all your calendars",
}

# Google accepts the short names and reports the long ones in what it grants (UNCONFIRMED: the exact spelling of
# the granted ``scope``; clients should test for the long form, as Google's libraries do).
_ALIASES = {"email": EMAIL, "profile": PROFILE}


def parse(scope: str) -> list[str]:
    """The requested scopes, aliases spelled out, duplicates dropped, in the order asked."""
    scopes: list[str] = []
    for name in scope.split():
        full = _ALIASES.get(name, name)
        if full not in scopes:
            scopes.append(full)
    return scopes


def unknown(scopes: list[str]) -> list[str]:
    return [name for name in scopes if name not in DESCRIPTIONS]


def joined(scopes: set[str] | list[str]) -> str:
    """A scope string as Google answers it (sorted, so equal grants read equal)."""
    return " ".join(sorted(set(scopes)))
