"""Rescheduling a technician visit: free slots, numbered options, the customer's answer."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from atdesk.integrations.appointments import (
    Booking,
    Chosen,
    NoAvailability,
    NoneOfThese,
    Resource,
    Slot,
    SlotOffer,
    Unclear,
    check_conflict,
    find_slots,
    parse_choice,
    render_clarification,
    render_confirmation,
    render_conflict,
    render_no_availability,
    render_offer,
    requested_day,
)

NEW_YORK = ZoneInfo("America/New_York")
WEEKDAYS = {d: ((time(8), time(12)), (time(13), time(17))) for d in range(5)}
SAM = Resource("tech-sam", "Sam", WEEKDAYS, frozenset({"install", "repair"}))
ALEX = Resource("tech-alex", "Alex", {4: ((time(13), time(17)),)})
FRIDAY = date(2026, 11, 27)
MONDAY_MORNING = datetime(2026, 11, 23, 15, 30, tzinfo=UTC)
TWO_HOURS = timedelta(hours=2)


def _ny(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=NEW_YORK).astimezone(UTC)


def _booking(booking_id: str, resource: Resource, hour: int, hours: int = 2) -> Booking:
    return Booking(booking_id, resource.id, _ny(FRIDAY, hour), _ny(FRIDAY, hour + hours))


def _offer(**overrides: object) -> SlotOffer:
    fields: dict[str, object] = {
        "resources": [SAM, ALEX],
        "bookings": [],
        "day": FRIDAY,
        "tz": NEW_YORK,
        "duration": TWO_HOURS,
    }
    fields.update(overrides)
    result = find_slots(**fields)  # type: ignore[arg-type]
    assert isinstance(result, SlotOffer)
    return result


def _described(offer: SlotOffer) -> list[str]:
    return [f"{o.number}) {o.slot.describe(NEW_YORK)}" for o in offer.options]


def test_brief_example_this_friday_anytime() -> None:
    request = requested_day(
        "@Comcast please reschedule my technician visit to this Friday anytime",
        created_at=MONDAY_MORNING,
        tz=NEW_YORK,
    )
    assert request is not None
    assert request.day == FRIDAY
    assert request.within is None

    offer = _offer(bookings=[_booking("apt-1", SAM, 8)], within=request.within)

    assert _described(offer) == [
        "1) Fri 27 Nov 10:00–12:00 with Sam",
        "2) Fri 27 Nov 13:00–15:00 with Sam",
        "3) Fri 27 Nov 15:00–17:00 with Sam",
    ]


def test_requested_part_of_day_limits_the_slots() -> None:
    request = requested_day("friday afternoon please", created_at=MONDAY_MORNING, tz=NEW_YORK)
    assert request is not None
    assert request.within == (time(12), time(17))
    offer = _offer(within=request.within)
    assert _described(offer) == [
        "1) Fri 27 Nov 13:00–15:00 with Sam",
        "2) Fri 27 Nov 15:00–17:00 with Sam",
    ]


def test_no_day_named_is_none() -> None:
    assert (
        requested_day("please reschedule my visit", created_at=MONDAY_MORNING, tz=NEW_YORK) is None
    )


def test_busy_resource_leaves_the_slot_to_another() -> None:
    offer = _offer(bookings=[_booking("apt-1", SAM, 13)])
    afternoon = [o.slot for o in offer.options if o.slot.start >= _ny(FRIDAY, 13)]
    assert [(s.start, s.resource_name) for s in afternoon] == [
        (_ny(FRIDAY, 13), "Alex"),
        (_ny(FRIDAY, 15), "Sam"),
    ]


def test_the_appointment_being_moved_does_not_block_itself() -> None:
    own = _booking("apt-own", SAM, 8)
    offer = _offer(resources=[SAM], bookings=[own], moving="apt-own")
    assert offer.options[0].slot.start == _ny(FRIDAY, 8)


def test_kind_limits_the_resources() -> None:
    offer = _offer(kind="install", within=(time(13), time(17)))
    assert {o.slot.resource_name for o in offer.options} == {"Sam"}
    result = find_slots(
        resources=[Resource("r", "Robin", WEEKDAYS, frozenset({"survey"}))],
        bookings=[],
        day=FRIDAY,
        tz=NEW_YORK,
        duration=TWO_HOURS,
        kind="install",
    )
    assert result == NoAvailability(FRIDAY, "nobody takes install appointments")


def test_past_slots_are_not_offered() -> None:
    friday_noon = _ny(FRIDAY, 12)
    offer = _offer(not_before=friday_noon)
    assert all(o.slot.start >= friday_noon for o in offer.options)


def test_many_slots_are_spread_over_the_day() -> None:
    offer = _offer(resources=[SAM], duration=timedelta(hours=1), limit=3)
    assert [o.slot.start.astimezone(NEW_YORK).hour for o in offer.options] == [8, 13, 16]


def test_no_availability_is_a_result_with_a_reason() -> None:
    full = [_booking(f"b{h}", SAM, h, 1) for h in (8, 9, 10, 11, 13, 14, 15, 16)]
    result = find_slots(resources=[SAM], bookings=full, day=FRIDAY, tz=NEW_YORK, duration=TWO_HOURS)
    assert isinstance(result, NoAvailability)
    assert result.reason == "no free 2-hour slot on Fri 27 Nov"
    assert "A member of our team" in render_no_availability(result)


def test_weekend_has_no_working_hours() -> None:
    result = find_slots(
        resources=[SAM, ALEX], bookings=[], day=date(2026, 11, 28), tz=NEW_YORK, duration=TWO_HOURS
    )
    assert isinstance(result, NoAvailability)


def test_conflict_is_found_again_before_booking() -> None:
    slot = Slot(SAM.id, SAM.name, _ny(FRIDAY, 13), _ny(FRIDAY, 15))
    taken = _booking("apt-9", SAM, 14, 1)
    conflict = check_conflict(slot, [taken])
    assert conflict is not None
    assert conflict.booking_id == "apt-9"
    assert check_conflict(slot, [taken], moving="apt-9") is None
    assert check_conflict(slot, [_booking("apt-8", SAM, 15)]) is None
    assert check_conflict(slot, [_booking("apt-7", ALEX, 13)]) is None
    assert "was just taken" in render_conflict(conflict, NEW_YORK)


def test_invalid_requests_are_refused() -> None:
    with pytest.raises(ValueError, match="duration"):
        find_slots(resources=[SAM], bookings=[], day=FRIDAY, tz=NEW_YORK, duration=timedelta(0))


def test_offer_message_lists_numbered_options() -> None:
    offer = _offer(resources=[SAM], within=(time(8), time(12)), duration=timedelta(hours=4))
    assert render_offer(offer) == (
        "Here are the times we can offer for your visit:\n"
        "1) Fri 27 Nov 08:00–12:00 with Sam\n"
        'Reply with the number of the one you want, or "none" if none of these work.'
    )


def test_confirmation_names_the_new_time() -> None:
    slot = Slot(SAM.id, SAM.name, _ny(FRIDAY, 13), _ny(FRIDAY, 15))
    assert render_confirmation(slot, NEW_YORK) == (
        "Done: your visit is now Fri 27 Nov 13:00–15:00 with Sam. We've updated your calendar."
    )


# Options: 1) 10:00-12:00 Sam, 2) 13:00-15:00 Alex, 3) 15:00-17:00 Sam
def _three() -> SlotOffer:
    return _offer(bookings=[_booking("apt-1", SAM, 8), _booking("apt-2", SAM, 13)])


@pytest.mark.parametrize(
    ("answer", "number"),
    [
        ("2", 2),
        ("2!", 2),
        ("option 2", 2),
        ("Option #3 please", 3),
        ("number two", 2),
        ("three", 3),
        ("the first", 1),
        ("the second one works", 2),
        ("3rd", 3),
        ("the morning one", 1),
        ("the last one", 3),
        ("earliest please", 1),
        ("the 1pm one", 2),
        ("15:00", 3),
        ("3pm with Sam", 3),
        ("with Alex", 2),
        ("Fri 27 Nov 13:00 is good", 2),
        ("ok 2 works for me", 2),
    ],
)
def test_answers_that_pick_one_option(answer: str, number: int) -> None:
    result = parse_choice(answer, _three())
    assert isinstance(result, Chosen), result
    assert result.option.number == number


@pytest.mark.parametrize(
    "answer",
    [
        "none of these",
        "None",
        "neither works",
        "no",
        "nope",
        "can we do another day?",
        "those don't work",
    ],
)
def test_answers_that_decline(answer: str) -> None:
    assert parse_choice(answer, _three()) == NoneOfThese()


def test_afternoon_matches_two_options_so_it_is_unclear() -> None:
    result = parse_choice("the afternoon one", _three())
    assert result == Unclear("more than one option matches the answer", (2, 3))
    assert render_clarification(result, _three()) == (
        'Sorry, which one would you like? Please reply 2 or 3, or "none".'
    )


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ("7", "there is no option 7"),
        ("1 or 2", "the answer names several options (1, 2)"),
        ("2 doesn't work", "the answer both declines and names an option"),
        ("hmm, what about my bill?", "the answer does not name an option"),
        ("the evening one", "no option matches the answer"),
        ("9am", "no option matches the answer"),
    ],
)
def test_unclear_answers_say_why(answer: str, reason: str) -> None:
    result = parse_choice(answer, _three())
    assert isinstance(result, Unclear)
    assert result.reason == reason


def test_yes_confirms_a_single_option_only() -> None:
    single = _offer(resources=[SAM], within=(time(8), time(12)), duration=timedelta(hours=4))
    assert isinstance(parse_choice("yes please", single), Chosen)
    assert isinstance(parse_choice("yes please", _three()), Unclear)
