"""Who is sent what: first invitations, updates after a change, cancellations, and nothing twice."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from backend.models import InvitationDelivery
from backend.services.invitation_mail import CANCEL, REQUEST, Delivery, Occasion, plan_deliveries

START = datetime(2030, 1, 14, 9, tzinfo=UTC)
OCCASION = Occasion("Kick-off", START, START + timedelta(hours=1), "https://zoom.us/j/1")
MEETING = uuid.uuid4()


def _sent(address: str, method: str, sequence: int, occasion: Occasion | None = OCCASION) -> InvitationDelivery:
    fingerprint = occasion.fingerprint if occasion else ""
    return InvitationDelivery(
        meeting_id=MEETING, email=address, method=method, sequence=sequence, fingerprint=fingerprint
    )


def test_first_invitations_go_to_those_with_send_email_only() -> None:
    plan = plan_deliveries(OCCASION, [("a@x.example", True), ("b@x.example", False)], {})
    assert plan == [Delivery("a@x.example", REQUEST, 0)]


def test_addresses_are_compared_without_case() -> None:
    plan = plan_deliveries(OCCASION, [("A@X.example", True)], {"a@x.example": _sent("a@x.example", REQUEST, 0)})
    assert plan == []


def test_a_change_updates_everyone_invited_with_a_higher_sequence_even_without_send_email() -> None:
    moved = Occasion("Kick-off", START + timedelta(days=1), START + timedelta(days=1, hours=1), OCCASION.join_url)
    sent = {"a@x.example": _sent("a@x.example", REQUEST, 0)}
    plan = plan_deliveries(moved, [("a@x.example", False), ("c@x.example", True)], sent)
    assert plan == [Delivery("a@x.example", REQUEST, 1, update=True), Delivery("c@x.example", REQUEST, 1)]


def test_a_retry_after_a_partial_update_keeps_the_sequence_already_used() -> None:
    moved = Occasion("Kick-off", START + timedelta(days=1), START + timedelta(days=1, hours=1), OCCASION.join_url)
    sent = {"a@x.example": _sent("a@x.example", REQUEST, 1, moved), "b@x.example": _sent("b@x.example", REQUEST, 0)}
    plan = plan_deliveries(moved, [("a@x.example", True), ("b@x.example", True)], sent)
    assert plan == [Delivery("b@x.example", REQUEST, 1, update=True)]


def test_a_removed_participant_is_cancelled_and_a_gone_appointment_cancels_everyone_once() -> None:
    sent = {"a@x.example": _sent("a@x.example", REQUEST, 0), "b@x.example": _sent("b@x.example", REQUEST, 0)}
    assert plan_deliveries(OCCASION, [("a@x.example", True)], sent) == [Delivery("b@x.example", CANCEL, 1)]
    assert plan_deliveries(None, [], sent) == [Delivery("a@x.example", CANCEL, 1), Delivery("b@x.example", CANCEL, 1)]
    cancelled = {**sent, "b@x.example": _sent("b@x.example", CANCEL, 1, None)}
    assert plan_deliveries(None, [], cancelled) == [Delivery("a@x.example", CANCEL, 2)]


def test_a_participant_invited_again_after_a_cancellation_gets_a_higher_sequence() -> None:
    sent = {
        "a@x.example": _sent("a@x.example", CANCEL, 1, None),
        "b@x.example": _sent("b@x.example", REQUEST, 0),
    }
    plan = plan_deliveries(OCCASION, [("a@x.example", True), ("b@x.example", True)], sent)
    assert plan == [Delivery("a@x.example", REQUEST, 2)]
