"""The web panel's link rules are the extension's (``tests/extension/meeting_text.test.js`` holds the same cases)."""

from __future__ import annotations

from backend.services.meeting_text import (
    location_with_link,
    location_without_link,
    with_join_line,
    without_join_line,
)

URL = "https://zoom.example/j/123?pwd=abc"


def test_the_join_line_is_appended_once_after_what_the_user_wrote() -> None:
    assert with_join_line("", URL) == f"Join meeting: {URL}"
    assert with_join_line("Agenda:\n- numbers\n\n", URL) == f"Agenda:\n- numbers\n\nJoin meeting: {URL}"
    assert with_join_line(with_join_line("Agenda", URL), URL) == f"Agenda\n\nJoin meeting: {URL}"


def test_removing_takes_out_exactly_what_was_added() -> None:
    typed = "Agenda:\n- numbers"
    assert without_join_line(with_join_line(typed, URL), URL) == typed
    assert without_join_line(with_join_line("", URL), URL) == ""
    assert without_join_line(f"Join meeting: {URL}\nBring coffee", URL) == "Bring coffee"
    assert without_join_line("Nothing of ours here", URL) == "Nothing of ours here"
    other = "Join meeting: https://other.example/j/9"
    assert without_join_line(other, URL) == other  # another meeting's line stays


def test_location_gets_the_link_only_when_blank_and_loses_it_only_when_unchanged() -> None:
    assert location_with_link("", URL) == URL
    assert location_with_link("  ", URL) == URL
    assert location_with_link("Room 4", URL) == "Room 4"
    teams_link = f"https://teams.microsoft.com/l/meetup-join/{'x' * 260}"
    assert location_with_link("", teams_link) == ""
    assert location_without_link(URL, URL) == ""
    assert location_without_link("Room 4", URL) == "Room 4"
