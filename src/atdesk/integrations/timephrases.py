"""Read when a customer wants something from their own words ("tomorrow after 5", "this Friday").

Pure and relative to the post's local date, so callbacks and appointments resolve the same
phrase the same way. The day and clock readings are triage's (atdesk.triage.datetimes) with its
BOOKING conventions: a month and day already past means next year's, and a bare hour 1-7 is the
afternoon. Weekday names follow SPEC.md: "this Friday" (or just "Friday") is the next Friday on
or after the post's date; "next Friday" is the first Friday after today. What is left here is
what only a request says: urgency, "any time", "end of day", "in an hour", a part of day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from atdesk.triage.datetimes import BOOKING, request_clock, request_day

_IN = re.compile(
    r"\bin\s+(?:(?P<n>\d{1,3})|(?P<a>an?|one)|(?P<half>half an?))\s*"
    r"(?P<unit>hours?|hrs?|minutes?|mins?)\b"
)
_ASAP = re.compile(
    r"\b(?:asap|a\.s\.a\.p|as soon as (?:possible|you can)|right away|right now|immediately)\b"
)
_ANYTIME = re.compile(r"\b(?:any\s*time|all day|whenever|any hour)\b")
_END_OF_DAY = re.compile(r"\b(?:end of (?:the )?(?:business )?day|eod|close of business|cob)\b")
_PARTS = (
    ("morning", re.compile(r"\b(?:morning|a\.?m\.? hours)\b")),
    ("lunch", re.compile(r"\b(?:lunch\s*time|lunch|lunchtime)\b")),
    ("afternoon", re.compile(r"\b(?:afternoon|arvo)\b")),
    ("evening", re.compile(r"\b(?:evening|tonight|tonite|(?<!last )(?<!all )(?<!over)night)\b")),
)


@dataclass(frozen=True, slots=True)
class TimePhrase:
    """What the text says about timing, before business hours are applied.

    `start`/`end` are local wall-clock bounds; `part` names a part of day ("morning"); `day`
    is a resolved local date; `today_only` means the customer said today, so a time that has
    already passed must not roll over to tomorrow.
    """

    day: date | None = None
    today_only: bool = False
    start: time | None = None
    end: time | None = None
    exact: bool = False
    part: str | None = None
    anytime: bool = False
    end_of_day: bool = False
    asap: bool = False
    after: timedelta | None = None
    matched: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        """True when the text says nothing about when."""
        return not self.matched


def parse_time_phrase(text: str, *, created_at: datetime, tz: ZoneInfo) -> TimePhrase:
    """Find the day, the time of day and any urgency in `text`, relative to the post's time."""
    if created_at.tzinfo is None:
        raise ValueError("created_at must be timezone-aware")
    lowered = " ".join(text.lower().replace("’", "'").split())
    lowered = re.sub(r"(?<![\w.])@[\w.]+", " ", lowered)  # @handles are not times
    today = created_at.astimezone(tz).date()
    matched: list[str] = []

    day, today_only = request_day(lowered, today, matched, BOOKING)
    asap = bool(_ASAP.search(lowered))
    if asap:
        matched.append("asap")
    after = _relative(lowered, matched)

    part = next((name for name, pattern in _PARTS if pattern.search(lowered)), None)
    if part:
        matched.append(part)
    start, end, exact = request_clock(lowered, part, matched, BOOKING)
    anytime = bool(_ANYTIME.search(lowered))
    if anytime:
        matched.append("anytime")
    end_of_day = bool(_END_OF_DAY.search(lowered))
    if end_of_day:
        matched.append("end of day")
    return TimePhrase(
        day=day,
        today_only=today_only,
        start=start,
        end=end,
        exact=exact,
        part=part,
        anytime=anytime,
        end_of_day=end_of_day,
        asap=asap,
        after=after,
        matched=tuple(matched),
    )


def _relative(text: str, matched: list[str]) -> timedelta | None:
    found = _IN.search(text)
    if not found:
        return None
    if found.group("half"):
        amount = 0.5
    elif found.group("a"):
        amount = 1.0
    else:
        amount = float(found.group("n"))
    minutes = amount * 60 if found.group("unit").startswith("h") else amount
    if found.group("half") and not found.group("unit").startswith("h"):
        return None
    matched.append(found.group(0))
    return timedelta(minutes=minutes)
