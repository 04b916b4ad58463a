"""The iCalendar feed: RFC 5545 structure, UTC times, escaping, folding and updates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from atdesk.integrations.calendar import (
    CalendarEvent,
    EventStatus,
    appointment_event,
    callback_event,
    escape_text,
    fold_line,
    render_calendar,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
START = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)


def _unfold(text: str) -> list[str]:
    """What a client does: join continuation lines, split on CRLF."""
    assert "\n" not in text.replace("\r\n", "")
    return text.replace("\r\n ", "").split("\r\n")[:-1]


def _props(text: str) -> list[tuple[str, str]]:
    return [tuple(line.split(":", 1)) for line in _unfold(text)]  # type: ignore[misc]


def test_feed_structure_and_required_properties() -> None:
    event = callback_event(
        callback_id="cb-9",
        start=START,
        end=START + timedelta(hours=3),
        customer="Dana Smith",
        reason="Question about the latest statement",
    )

    props = _props(render_calendar([event], now=NOW, name="Callbacks"))

    assert props[:6] == [
        ("BEGIN", "VCALENDAR"),
        ("VERSION", "2.0"),
        ("PRODID", "-//atdesk//atdesk feeds 1.0//EN"),
        ("CALSCALE", "GREGORIAN"),
        ("METHOD", "PUBLISH"),
        ("X-WR-CALNAME", "Callbacks"),
    ]
    assert props[-1] == ("END", "VCALENDAR")
    body = dict(props[6:-1])
    assert body["UID"] == "callback-cb-9@atdesk"
    assert body["DTSTAMP"] == "20261123T120000Z"
    assert body["DTSTART"] == "20261127T140000Z"
    assert body["DTEND"] == "20261127T170000Z"
    assert body["SUMMARY"] == "Call back Dana Smith"
    assert body["DESCRIPTION"] == "Question about the latest statement"
    assert body["STATUS"] == "CONFIRMED"
    assert body["SEQUENCE"] == "0"
    assert body["CATEGORIES"] == "callback"


def test_every_line_ends_with_crlf() -> None:
    text = render_calendar([], now=NOW)
    assert text == (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//atdesk//atdesk feeds 1.0//EN\r\n"
        "CALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\nEND:VCALENDAR\r\n"
    )


def test_times_in_other_zones_are_written_in_utc() -> None:
    eastern = timezone(timedelta(hours=-5))
    event = CalendarEvent(
        uid="x@atdesk",
        start=datetime(2026, 11, 27, 9, 0, tzinfo=eastern),
        end=datetime(2026, 11, 27, 11, 0, tzinfo=eastern),
        summary="Visit",
    )
    body = dict(_props(render_calendar([event], now=NOW)))
    assert body["DTSTART"] == "20261127T140000Z"
    assert body["DTEND"] == "20261127T160000Z"


def test_text_is_escaped() -> None:
    assert escape_text("a\\b;c,d\r\ne\nf") == "a\\\\b\\;c\\,d\\ne\\nf"


def test_long_lines_fold_at_75_octets_and_unfold_back() -> None:
    line = "DESCRIPTION:" + "x" * 200
    folded = fold_line(line)
    physical = folded.split("\r\n")
    assert all(len(p.encode()) <= 75 for p in physical)
    assert all(p.startswith(" ") for p in physical[1:])
    assert len(physical[0].encode()) == 75
    assert folded.replace("\r\n ", "") == line


def test_folding_never_splits_a_multibyte_character() -> None:
    line = "SUMMARY:" + "Überprüfung 🌳 " * 20
    folded = fold_line(line)
    for physical in folded.split("\r\n"):
        assert len(physical.encode("utf-8")) <= 75
        physical.encode("utf-8").decode("utf-8")
    assert folded.replace("\r\n ", "") == line


def test_short_lines_are_untouched() -> None:
    assert fold_line("SUMMARY:short") == "SUMMARY:short"


def test_reschedule_keeps_the_uid_and_raises_the_sequence() -> None:
    first = appointment_event(
        appointment_id="apt-1",
        start=START,
        end=START + timedelta(hours=2),
        kind="repair",
        resource="Sam",
        customer="Dana Smith",
        location="12 Elm St, Springfield",
    )
    moved = appointment_event(
        appointment_id="apt-1",
        start=START + timedelta(hours=4),
        end=START + timedelta(hours=6),
        kind="repair",
        resource="Sam",
        customer="Dana Smith",
        location="12 Elm St, Springfield",
        sequence=1,
    )
    one = dict(_props(render_calendar([first], now=NOW)))
    two = dict(_props(render_calendar([moved], now=NOW)))
    assert one["UID"] == two["UID"] == "appointment-apt-1@atdesk"
    assert (one["SEQUENCE"], two["SEQUENCE"]) == ("0", "1")
    assert two["DTSTART"] == "20261127T180000Z"
    assert two["SUMMARY"] == "Repair: Dana Smith with Sam"
    assert two["LOCATION"] == "12 Elm St\\, Springfield"
    assert two["CATEGORIES"] == "appointment,repair"


def test_cancelled_callback() -> None:
    event = callback_event(
        callback_id="cb-1",
        start=START,
        end=START + timedelta(hours=1),
        customer="Dana",
        reason="",
        cancelled=True,
        sequence=2,
        case_url="https://care.example/cases/7",
    )
    body = dict(_props(render_calendar([event], now=NOW)))
    assert body["STATUS"] == EventStatus.CANCELLED.value
    assert body["URL"] == "https://care.example/cases/7"
    assert "DESCRIPTION" not in body


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"start": datetime(2026, 11, 27, 14)}, "timezone-aware"),  # noqa: DTZ001
        ({"end": START}, "end after"),
        ({"sequence": -1}, "SEQUENCE"),
        ({"uid": "a\nb"}, "UID"),
    ],
)
def test_invalid_events_are_refused(kwargs: dict[str, object], message: str) -> None:
    fields: dict[str, object] = {
        "uid": "u@atdesk",
        "start": START,
        "end": START + timedelta(hours=1),
        "summary": "s",
    }
    fields.update(kwargs)
    with pytest.raises(ValueError, match=message):
        CalendarEvent(**fields)  # type: ignore[arg-type]
