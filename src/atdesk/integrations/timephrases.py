"""Read when a customer wants something from their own words ("tomorrow after 5", "this Friday").

Pure and relative to the post's local date, so callbacks and appointments resolve the same
phrase the same way. Weekday names follow SPEC.md: "this Friday" (or just "Friday") is the
next Friday on or after the post's date; "next Friday" is the first Friday after today.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_WEEKDAYS = {
    "monday": 0,
    "tuesday": 1,
    "wednesday": 2,
    "thursday": 3,
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
}
# Short forms that are also English words ("sat", "sun", "wed", "mon") need "this/next/on".
_SAFE_SHORT = {"tues": 1, "tue": 1, "thurs": 3, "thur": 3, "thu": 3, "fri": 4}
_RISKY_SHORT = {"mon": 0, "wed": 2, "sat": 5, "sun": 6}
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))

_CLOCK = (
    r"(?:(?P<{p}h>\d{{1,2}})(?:[:.](?P<{p}m>[0-5]\d))?\s*(?P<{p}ap>a\.?m\.?|p\.?m\.?)?"
    r"|(?P<{p}noon>noon|midday))"
)


def _clock(prefix: str) -> str:
    return _CLOCK.format(p=prefix)


_BETWEEN = re.compile(
    rf"\b(?:between|from)\s+{_clock('a')}\s*(?:and|to|-|–)\s*{_clock('b')}(?![\w:])"
    rf"|(?<![\w:])(?P<rh>\d{{1,2}})(?:[:.](?P<rm>[0-5]\d))?\s*(?P<rap>am|pm)?\s*(?:-|–|to)\s*"
    rf"(?P<sh>\d{{1,2}})(?:[:.](?P<sm>[0-5]\d))?\s*(?P<sap>am|pm)(?!\w)"
)
_AFTER = re.compile(rf"\b(?:after|from|past)\s+{_clock('c')}(?![\w:])")
_BEFORE = re.compile(rf"\b(?:before|by|until|till|til)\s+{_clock('d')}(?![\w:])")
_AT = re.compile(rf"\b(?:at|around|about|@)\s+{_clock('e')}(?![\w:])")
_BARE = re.compile(
    r"(?<![\w:$£€#/])(?P<fh>\d{1,2})(?:[:.](?P<fm>[0-5]\d))?\s*(?P<fap>a\.?m\.?|p\.?m\.?)(?!\w)"
    r"|(?<![\w:$£€#/])(?P<gh>\d{1,2}):(?P<gm>[0-5]\d)(?![\w:])"
    r"|\b(?P<gnoon>noon|midday)\b"
)
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
_TODAY = re.compile(r"\b(?:today|tonight|tonite|this (?:morning|afternoon|evening))\b")
_DAY_AFTER = re.compile(r"\b(?:day after tomorrow|day after tmrw)\b")
_TOMORROW = re.compile(r"\b(?:tomorrow|tmrw|tmr|tomorow|tommorow|tommorrow|2morrow|2moro)\b")
_NEXT_WEEK = re.compile(r"\bnext week\b")
_WEEKDAY = re.compile(
    r"\b(?:(?P<q>this|next|on|coming|by)\s+)?"
    r"(?P<d>monday|tuesday|wednesday|thursday|friday|saturday|sunday"
    r"|tues|tue|thurs|thur|thu|fri|mon|wed|sat|sun)s?\b"
)
_DATE = re.compile(
    rf"\b(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m1>{_MONTH})\b\.?"
    rf"|\b(?P<m2>{_MONTH})\.?\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\b"
    r"|\bthe\s+(?P<d3>\d{1,2})(?:st|nd|rd|th)\b"
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

    day, today_only = _day(lowered, today, matched)
    asap = bool(_ASAP.search(lowered))
    if asap:
        matched.append("asap")
    after = _relative(lowered, matched)

    part = next((name for name, pattern in _PARTS if pattern.search(lowered)), None)
    if part:
        matched.append(part)
    start, end, exact = _clock_range(lowered, part, matched)
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


def _day(text: str, today: date, matched: list[str]) -> tuple[date | None, bool]:
    if _DAY_AFTER.search(text):
        matched.append("day after tomorrow")
        return today + timedelta(days=2), False
    if _TOMORROW.search(text):
        matched.append("tomorrow")
        return today + timedelta(days=1), False
    if _TODAY.search(text):
        matched.append("today")
        return today, True
    if _NEXT_WEEK.search(text) and not _WEEKDAY.search(text):
        matched.append("next week")
        return today + timedelta(days=7 - today.weekday()), False
    for found in _WEEKDAY.finditer(text):
        name, qualifier = found.group("d"), found.group("q")
        if name in _RISKY_SHORT and qualifier is None:
            continue
        weekday = _WEEKDAYS.get(name, _SAFE_SHORT.get(name, _RISKY_SHORT.get(name, 0)))
        ahead = (weekday - today.weekday()) % 7
        if qualifier == "next" and ahead == 0:
            ahead = 7
        matched.append(found.group(0))
        return today + timedelta(days=ahead), False
    found_date = _DATE.search(text)
    if found_date:
        resolved = _calendar_date(found_date, today)
        if resolved is not None:
            matched.append(found_date.group(0))
            return resolved, resolved == today
    return None, False


def _calendar_date(found: re.Match[str], today: date) -> date | None:
    day_text = found.group("d1") or found.group("d2") or found.group("d3")
    month_text = found.group("m1") or found.group("m2")
    month = _MONTHS[month_text] if month_text else today.month
    try:
        candidate = date(today.year, month, int(day_text))
    except ValueError:
        return None
    if candidate < today:
        # "the 3rd" said on the 23rd means next month; "Jan 5" said in November, next year.
        if month_text is None:
            year, month = (
                (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
            )
        else:
            year = today.year + 1
        try:
            candidate = date(year, month, int(day_text))
        except ValueError:
            return None
    return candidate


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


def _clock_range(
    text: str, part: str | None, matched: list[str]
) -> tuple[time | None, time | None, bool]:
    between = _BETWEEN.search(text)
    if between:
        first_prefix, second_prefix = (
            ("a", "b") if between.group("ah") or between.group("anoon") else ("r", "s")
        )
        second_ap = between.group(f"{second_prefix}ap")
        second = _to_time(between, second_prefix, part, None)
        first = _to_time(between, first_prefix, part, second_ap)
        if first is not None and second is not None:
            if first >= second and between.group(f"{first_prefix}ap") is None:
                # "between 11 and 1": the first hour is in the morning.
                first = _to_time(between, first_prefix, "morning", None)
            if first is not None and first < second:
                matched.append(between.group(0))
                return first, second, False
    after = _AFTER.search(text)
    before = _BEFORE.search(text)
    start = _to_time(after, "c", part, None) if after else None
    end = _to_time(before, "d", part, None) if before else None
    if start is not None or end is not None:
        matched.extend(m.group(0) for m in (after, before) if m)
        if start is not None and end is not None and end <= start:
            end = None
        return start, end, False
    at = _AT.search(text)
    if at:
        exact = _to_time(at, "e", part, None)
        if exact is not None:
            matched.append(at.group(0))
            return exact, None, True
    bare = _BARE.search(text)
    if bare:
        prefix = "f" if bare.group("fh") else "g"
        exact = _to_time(bare, prefix, part, None)
        if exact is not None:
            matched.append(bare.group(0))
            return exact, None, True
    return None, None, False


def _to_time(
    found: re.Match[str], prefix: str, part: str | None, shared_ap: str | None
) -> time | None:
    groups = found.groupdict()
    if groups.get(f"{prefix}noon"):
        return time(12, 0)
    hour_text = groups.get(f"{prefix}h")
    if hour_text is None:
        return None
    hour, minute = int(hour_text), int(groups.get(f"{prefix}m") or 0)
    marker = (groups.get(f"{prefix}ap") or shared_ap or "").replace(".", "")
    if marker:
        if not 1 <= hour <= 12:
            return None
        if marker == "pm" and hour != 12:
            hour += 12
        if marker == "am" and hour == 12:
            hour = 0
    elif hour <= 12:
        hour = _guess_hour(hour, part)
    if hour > 23:
        return None
    return time(hour, minute)


def _guess_hour(hour: int, part: str | None) -> int:
    """A bare hour for a company call: 1-7 is afternoon, 8-11 morning, unless the text says."""
    if part == "morning":
        return hour
    if part in ("afternoon", "evening", "lunch") and hour < 12:
        return hour + 12
    if hour == 12 or hour >= 8:
        return hour
    return hour + 12
