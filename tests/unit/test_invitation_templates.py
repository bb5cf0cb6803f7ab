from datetime import UTC, datetime

import pytest

from backend.services.invitations import (
    DEFAULT_TEMPLATE,
    MAX_TEMPLATE_LENGTH,
    InvitationValues,
    TemplateError,
    check_template,
    render,
)

VALUES = InvitationValues(
    burl="https://zoom.us/j/1?pwd=x",
    title="Kick-off",
    start=datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
    end=datetime(2026, 12, 1, 10, 0, tzinfo=UTC),
    organizer="Anna Andersen",
    passcode="Pass1234",
)


def test_every_variable_is_filled_in() -> None:
    check_template(DEFAULT_TEMPLATE)

    text = render("{title}: {start} to {end}, {burl} ({passcode}) from {organizer}", VALUES)

    assert text == "Kick-off: 1 December 2026 09:00 UTC to 1 December 2026 10:00 UTC, https://zoom.us/j/1?pwd=x " \
                   "(Pass1234) from Anna Andersen"  # fmt: skip


def test_double_braces_are_literal_braces() -> None:
    check_template("Use {{burl}} literally, or {burl}")

    assert render("Use {{burl}} literally, or {burl}", VALUES) == "Use {burl} literally, or https://zoom.us/j/1?pwd=x"


@pytest.mark.parametrize(
    ("template", "message"),
    [("Join {url}", "Unknown variable {url}: use {burl}, {title}"),
     ("{a} and {b} and {a}", "Unknown variables {a}, {b}"),
     ("Half a brace { here", "A single { or } is not allowed"),
     ("{__class__.__mro__}", "Unknown variable {__class__.__mro__}"),
     ("x" * (MAX_TEMPLATE_LENGTH + 1), "at most 4000 characters")],
)  # fmt: skip
def test_a_wrong_template_is_explained(template: str, message: str) -> None:
    with pytest.raises(TemplateError, match=message.replace("{", r"\{").replace("}", r"\}").replace(".", r"\.")):
        check_template(template)


def test_html_stays_text() -> None:
    check_template("<script>alert(1)</script> {burl}")

    assert render("<b>{title}</b>", VALUES) == "<b>Kick-off</b>"  # plain text; pages escape it when showing it


def test_a_line_whose_variables_are_all_empty_is_left_out() -> None:
    from dataclasses import replace

    without_passcode = replace(VALUES, passcode="")

    text = render("Join: {burl}\nPasscode: {passcode}\n\nThanks", without_passcode)

    assert text == "Join: https://zoom.us/j/1?pwd=x\n\nThanks"
    assert render("Passcode: {passcode}", VALUES).startswith("Passcode: ")
