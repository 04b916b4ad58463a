"""Reading which visit a message means: the day named as the current one apart from the day
asked for, the kind or words of the visit, and a question (never a guess) when several fit."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from atdesk.automations.appointments.visit_picker import (
    Ambiguous,
    NoMatch,
    Picked,
    Visit,
    pick_visit,
    read_request,
)
from atdesk.automations.appointments.visit_question import asked_day
from tests.automations.helpers import NOW

TZ = ZoneInfo("America/New_York")


def _visit(id_: str, kind: str, day: date, hour: int, notes: str = "") -> Visit:
    start = datetime(day.year, day.month, day.day, hour, tzinfo=TZ).astimezone(UTC)
    return Visit(id_, kind, start, start + timedelta(hours=2), "Sam", notes)


VISITS = [
    _visit("1", "repair", date(2026, 11, 24), 9, "Router keeps dropping"),
    _visit("2", "install", date(2026, 12, 5), 13),
    _visit("3", "repair", date(2026, 12, 12), 10),
]


@pytest.mark.parametrize(
    ("text", "old", "target"),
    [
        ("move my Dec 5 install to Friday", date(2026, 12, 5), date(2026, 11, 27)),
        ("from Tuesday to Thursday please", date(2026, 11, 24), date(2026, 11, 26)),
        ("can you move my appointment on the 12th to next week", date(2026, 12, 12), date(2026, 11, 30)),
        ("I can't do Tuesday, can we do Thursday", date(2026, 11, 24), date(2026, 11, 26)),
        ("@cable please reschedule my technician visit to this Friday anytime", None, date(2026, 11, 27)),
        ("can you reschedule my Friday visit?", date(2026, 11, 27), None),
        ("move my Fri, Dec 4 visit to Thursday", date(2026, 12, 4), date(2026, 11, 26)),
        ("move my Saturday 5 December install to Friday", date(2026, 12, 5), date(2026, 11, 27)),
    ],
)  # fmt: skip
def test_the_day_of_the_visit_is_told_apart_from_the_day_asked_for(
    text: str, old: date | None, target: date | None
) -> None:
    request = read_request(text, created_at=NOW, tz=TZ)
    assert (request.old.day if request.old else None) == old
    asked = asked_day(text, created_at=NOW, tz=TZ)
    assert (asked.day if asked else None) == target


@pytest.mark.parametrize(
    ("text", "picked"),
    [
        ("move my Dec 5 install to Friday", "2"),
        ("reschedule the router repair to Monday", "1"),
        ("can you move my appointment on the 12th to next week", "3"),
        ("please move my install", "2"),
    ],
)
def test_the_visit_named_is_picked(text: str, picked: str) -> None:
    request = read_request(text, created_at=NOW, tz=TZ)
    asked = asked_day(text, created_at=NOW, tz=TZ)
    result = pick_visit(request, VISITS, tz=TZ, target=asked)
    assert isinstance(result, Picked) and result.visit.id == picked


def test_a_visit_already_where_the_customer_asks_is_not_the_one_to_move() -> None:
    text = "please reschedule my repair to Dec 12 anytime"
    request = read_request(text, created_at=NOW, tz=TZ)
    asked = asked_day(text, created_at=NOW, tz=TZ)
    result = pick_visit(request, VISITS, tz=TZ, target=asked)
    assert isinstance(result, Picked) and result.visit.id == "1"


def test_several_fits_are_a_question() -> None:
    text = "please reschedule my repair to Thursday"
    request = read_request(text, created_at=NOW, tz=TZ)
    result = pick_visit(request, VISITS, tz=TZ, target=asked_day(text, created_at=NOW, tz=TZ))
    assert isinstance(result, Ambiguous)
    assert [v.id for v in result.candidates] == ["1", "3"]
    assert result.reason == "2 upcoming visits fit: repair visit"


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("move my Dec 5 repair to Friday", "repair visit on Sat 5 Dec"),
        ("move my Dec 9 visit to Friday", "visit on Wed 9 Dec"),
        ("reschedule the upgrade to Monday", "upgrade visit"),
    ],
)
def test_nothing_fitting_what_was_named_is_no_match(text: str, named: str) -> None:
    request = read_request(text, created_at=NOW, tz=TZ)
    result = pick_visit(request, VISITS, tz=TZ, target=None)
    assert isinstance(result, NoMatch) and result.named == named
