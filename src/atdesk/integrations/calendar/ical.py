"""A small RFC 5545 iCalendar writer for the callback and appointment feeds.

Only what a dialer or a technician's calendar app needs: one VCALENDAR of VEVENTs with UTC
times, TEXT escaping, CRLF line ends and folding at 75 octets without splitting a UTF-8
character. Updates keep the UID and raise SEQUENCE, so subscribed clients replace the event.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

PRODID = "-//atdesk//atdesk feeds 1.0//EN"
CRLF = "\r\n"
_MAX_OCTETS = 75


class EventStatus(StrEnum):
    """VEVENT STATUS values (RFC 5545 §3.8.1.11)."""

    TENTATIVE = "TENTATIVE"
    CONFIRMED = "CONFIRMED"
    CANCELLED = "CANCELLED"


@dataclass(frozen=True, slots=True)
class CalendarEvent:
    """One VEVENT; times must be timezone-aware and are written in UTC."""

    uid: str
    start: datetime
    end: datetime
    summary: str
    description: str = ""
    status: EventStatus = EventStatus.CONFIRMED
    sequence: int = 0
    location: str | None = None
    url: str | None = None
    categories: tuple[str, ...] = ()
    last_modified: datetime | None = None

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            if getattr(self, name).tzinfo is None:
                raise ValueError(f"CalendarEvent.{name} must be timezone-aware")
        if self.end <= self.start:
            raise ValueError("an event must end after it starts")
        if self.sequence < 0:
            raise ValueError("SEQUENCE starts at 0 and only grows")
        if not self.uid or any(c in self.uid for c in "\r\n"):
            raise ValueError("UID must be a non-empty single line")


def render_calendar(
    events: Iterable[CalendarEvent], *, now: datetime, name: str | None = None
) -> str:
    """The whole feed as text with CRLF line ends, ready to serve as text/calendar."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN"]
    lines.append("METHOD:PUBLISH")
    if name:
        lines.append(f"X-WR-CALNAME:{escape_text(name)}")
    stamp = format_utc(now)
    for event in events:
        lines.extend(_event_lines(event, stamp))
    lines.append("END:VCALENDAR")
    return "".join(fold_line(line) + CRLF for line in lines)


def _event_lines(event: CalendarEvent, stamp: str) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{event.uid}",
        f"DTSTAMP:{stamp}",
        f"DTSTART:{format_utc(event.start)}",
        f"DTEND:{format_utc(event.end)}",
        f"SUMMARY:{escape_text(event.summary)}",
    ]
    if event.description:
        lines.append(f"DESCRIPTION:{escape_text(event.description)}")
    if event.location:
        lines.append(f"LOCATION:{escape_text(event.location)}")
    if event.url:
        lines.append(f"URL:{event.url}")
    if event.categories:
        lines.append("CATEGORIES:" + ",".join(escape_text(c) for c in event.categories))
    lines.append(f"STATUS:{event.status.value}")
    lines.append(f"SEQUENCE:{event.sequence}")
    if event.last_modified is not None:
        lines.append(f"LAST-MODIFIED:{format_utc(event.last_modified)}")
    lines.append("END:VEVENT")
    return lines


def format_utc(moment: datetime) -> str:
    """DATE-TIME in UTC form, e.g. 20261127T140000Z."""
    if moment.tzinfo is None:
        raise ValueError("iCalendar times must come from timezone-aware datetimes")
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def escape_text(value: str) -> str:
    """TEXT escaping (RFC 5545 §3.3.11): backslash, semicolon, comma and newlines."""
    normalised = value.replace("\r\n", "\n").replace("\r", "\n")
    return (
        normalised.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\n", "\\n")
    )


def fold_line(line: str) -> str:
    """Fold a content line into pieces of at most 75 octets, never inside a UTF-8 character."""
    encoded = line.encode("utf-8")
    if len(encoded) <= _MAX_OCTETS:
        return line
    pieces: list[str] = []
    current = ""
    size = 0
    limit = _MAX_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            pieces.append(current)
            current, size = "", 0
            limit = _MAX_OCTETS - 1  # continuation lines start with one space
        current += char
        size += width
    pieces.append(current)
    return (CRLF + " ").join(pieces)
