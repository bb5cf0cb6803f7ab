"""How a meeting's link goes into a follow-up's Location and text, and comes out again: exactly what was added.

The same rules as the extension's ``extension/src/meeting_text.js`` (the dialog there, the web panel here), so a
follow-up looks the same whichever way its meeting was added. Pure functions.
"""

from __future__ import annotations

DESCRIPTION_LIMIT = 2048
"""SuperOffice keeps at most 2,048 characters of a follow-up's description."""
LOCATION_LIMIT = 254
"""SuperOffice keeps at most 254 characters in Location (Teams links can be longer)."""


def join_line(url: str) -> str:
    return f"Join meeting: {url}"


def with_join_line(description: str, url: str) -> str:
    """The text with the join line appended (once), after a blank line."""
    text = description or ""
    if any(line.strip() == join_line(url) for line in text.split("\n")):
        return text
    body = text.rstrip()
    return f"{body}\n\n{join_line(url)}" if body else join_line(url)


def without_join_line(description: str, url: str) -> str:
    """The text without the join line we added (and the blank line we put before it)."""
    lines = (description or "").split("\n")
    index = next((i for i, line in enumerate(lines) if line.strip() == join_line(url)), -1)
    if index == -1:
        return description or ""
    del lines[index]
    if index > 0 and lines[index - 1] == "" and (index == len(lines) or lines[index] == ""):
        del lines[index - 1]
    return "\n".join(lines).rstrip("\n")


def location_with_link(location: str, url: str) -> str:
    """Location gets the link only when it is blank, and only when the link fits."""
    if (location or "").strip() or len(url) > LOCATION_LIMIT:
        return location or ""
    return url


def location_without_link(location: str, url: str) -> str:
    """Location loses the link only when it is still exactly the link we put there."""
    return "" if (location or "").strip() == url else location or ""
