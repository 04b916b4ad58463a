"""The brief's second example end to end: move the visit, confirm it, update the feed."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from atdesk.integrations.appointments import (
    Booking,
    Chosen,
    Resource,
    SlotOffer,
    check_conflict,
    find_slots,
    parse_choice,
    render_confirmation,
    render_offer,
    requested_day,
)
from atdesk.integrations.calendar import appointment_event, render_calendar

TZ = ZoneInfo("America/Chicago")
POSTED = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)  # Monday 10:00 in Chicago
SAM = Resource("sam", "Sam", {d: ((time(8), time(12)), (time(13), time(17))) for d in range(5)})
CURRENT = Booking(
    "apt-1",
    "sam",
    datetime(2026, 11, 24, 14, 0, tzinfo=UTC),
    datetime(2026, 11, 24, 16, 0, tzinfo=UTC),
)


def _feed(booking: Booking, sequence: int) -> str:
    event = appointment_event(
        appointment_id=booking.id,
        start=booking.start,
        end=booking.end,
        kind="repair",
        resource="Sam",
        customer="Dana Smith",
        sequence=sequence,
    )
    return render_calendar([event], now=POSTED).replace("\r\n ", "")


def test_reschedule_to_this_friday_anytime() -> None:
    request = requested_day(
        "@Comcast please reschedule my technician visit to this Friday anytime",
        created_at=POSTED,
        tz=TZ,
    )
    assert request is not None
    friday_job = Booking(
        "apt-2",
        "sam",
        datetime(2026, 11, 27, 14, 0, tzinfo=UTC),
        datetime(2026, 11, 27, 16, 0, tzinfo=UTC),
    )
    offer = find_slots(
        resources=[SAM],
        bookings=[CURRENT, friday_job],
        day=request.day,
        tz=TZ,
        duration=timedelta(hours=2),
        within=request.within,
        not_before=POSTED,
        moving=CURRENT.id,
    )
    assert isinstance(offer, SlotOffer)
    assert render_offer(offer).splitlines()[1:4] == [
        "1) Fri 27 Nov 10:00–12:00 with Sam",
        "2) Fri 27 Nov 13:00–15:00 with Sam",
        "3) Fri 27 Nov 15:00–17:00 with Sam",
    ]

    answer = parse_choice("the afternoon one at 3pm", offer)
    assert isinstance(answer, Chosen)
    slot = answer.option.slot
    assert check_conflict(slot, [CURRENT, friday_job], moving=CURRENT.id) is None
    moved = Booking(CURRENT.id, slot.resource_id, slot.start, slot.end)

    assert render_confirmation(slot, TZ) == (
        "Done: your visit is now Fri 27 Nov 15:00–17:00 with Sam. We've updated your calendar."
    )
    before, after = _feed(CURRENT, 0), _feed(moved, 1)
    assert "UID:appointment-apt-1@atdesk" in before
    assert "UID:appointment-apt-1@atdesk" in after
    assert "DTSTART:20261124T140000Z" in before
    assert "DTSTART:20261127T210000Z" in after
    assert "SEQUENCE:1" in after


def test_slot_taken_between_offer_and_answer_is_a_conflict() -> None:
    offer = find_slots(
        resources=[SAM],
        bookings=[CURRENT],
        day=POSTED.date() + timedelta(days=4),
        tz=TZ,
        duration=timedelta(hours=2),
        moving=CURRENT.id,
    )
    assert isinstance(offer, SlotOffer)
    answer = parse_choice("1", offer)
    assert isinstance(answer, Chosen)
    someone_else = Booking("apt-9", "sam", answer.option.slot.start, answer.option.slot.end)

    conflict = check_conflict(answer.option.slot, [CURRENT, someone_else], moving=CURRENT.id)

    assert conflict is not None
    assert conflict.booking_id == "apt-9"
