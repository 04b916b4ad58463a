"""Turn "please call me tomorrow after 5" into a callback window a phone agent can work from.

Times are resolved in the brand's timezone relative to the post's created_at, then stored in
UTC. With no time in the text, the window is the next business window. The function returns
None only when the customer named a time today that has already passed ("this morning" said
at 3 pm): their preference cannot be honoured, so the caller should ask them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from atdesk.integrations.timephrases import TimePhrase, parse_time_phrase

_EXACT_LENGTH = timedelta(minutes=30)
_ASAP_LENGTH = timedelta(hours=1)
_ROUND_TO = timedelta(minutes=5)
_SHORTEST = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class BusinessHours:
    """When the phone team calls: open to close on working days, evenings until `evening_until`."""

    opens: time = time(9, 0)
    closes: time = time(17, 0)
    evening_until: time = time(20, 0)
    days: frozenset[int] = field(default_factory=lambda: frozenset({0, 1, 2, 3, 4}))

    def __post_init__(self) -> None:
        if not self.opens < self.closes <= self.evening_until:
            raise ValueError("business hours need opens < closes <= evening_until")
        if not self.days or not self.days <= set(range(7)):
            raise ValueError("business days are weekday numbers 0 (Monday) to 6 (Sunday)")


DEFAULT_HOURS = BusinessHours()

_PART_RANGES = {
    "morning": (time(9, 0), time(12, 0)),
    "lunch": (time(12, 0), time(14, 0)),
    "afternoon": (time(12, 0), time(17, 0)),
}


@dataclass(frozen=True, slots=True)
class CallbackWindow:
    """When to call, in UTC; `requested` is False when atdesk chose the next business window."""

    start: datetime
    end: datetime
    requested: bool
    phrase: str = ""

    def describe(self, tz: ZoneInfo) -> str:
        """Short local text for the acknowledgement, e.g. "Tue 24 Nov 17:00–20:00"."""
        start, end = self.start.astimezone(tz), self.end.astimezone(tz)
        head = f"{start:%a} {start.day} {start:%b} {start:%H:%M}"
        if start.date() == end.date():
            return f"{head}–{end:%H:%M}"
        return f"{head}–{end:%a} {end.day} {end:%b} {end:%H:%M}"


def resolve_callback_window(
    text: str,
    *,
    created_at: datetime,
    tz: ZoneInfo,
    hours: BusinessHours = DEFAULT_HOURS,
) -> CallbackWindow | None:
    """The customer's preferred window from their words, or the next business window."""
    phrase = parse_time_phrase(text, created_at=created_at, tz=tz)
    now = created_at.astimezone(tz)
    label = ", ".join(phrase.matched)
    if phrase.asap:
        return _asap(now, tz, hours, label)
    if phrase.after is not None:
        start = now + phrase.after
        return _window(start, start + _EXACT_LENGTH, label)
    if phrase.day is None and phrase.start is None and phrase.end is None and not _has_part(phrase):
        return next_business_window(created_at, tz=tz, hours=hours)
    start_t, end_t = _local_range(phrase, hours)
    day = phrase.day or now.date()
    for _ in range(2):
        start = _at(day, start_t, tz)
        end = _at(day, end_t, tz) if end_t > start_t else _at(day + timedelta(days=1), end_t, tz)
        if day == now.date():
            start = max(start, _round_up(now))
        if end - start >= _SHORTEST:
            return _window(start, end, label)
        if phrase.day is not None or phrase.today_only:
            return None
        # No day named and the time has passed today: the customer means the next one.
        day += timedelta(days=1)
    return None


def next_business_window(
    after: datetime, *, tz: ZoneInfo, hours: BusinessHours = DEFAULT_HOURS
) -> CallbackWindow:
    """The rest of today's business hours if any are left, else the next working day's."""
    now = after.astimezone(tz)
    day = now.date()
    for _ in range(14):
        if day.weekday() in hours.days:
            start = _at(day, hours.opens, tz)
            end = _at(day, hours.closes, tz)
            if day == now.date():
                start = max(start, _round_up(now))
            if end - start >= _SHORTEST:
                return _window(start, end, "", requested=False)
        day += timedelta(days=1)
    raise ValueError("no business day within two weeks; check BusinessHours.days")


def _asap(now: datetime, tz: ZoneInfo, hours: BusinessHours, label: str) -> CallbackWindow:
    start = _round_up(now)
    if now.weekday() in hours.days:
        opens, closes = _at(now.date(), hours.opens, tz), _at(now.date(), hours.closes, tz)
        if opens <= start and start + _SHORTEST <= closes:
            return _window(start, min(start + _ASAP_LENGTH, closes), label)
    following = next_business_window(now, tz=tz, hours=hours)
    return _window(following.start, following.start + _ASAP_LENGTH, label)


def _has_part(phrase: TimePhrase) -> bool:
    return bool(phrase.part or phrase.anytime or phrase.end_of_day)


def _local_range(phrase: TimePhrase, hours: BusinessHours) -> tuple[time, time]:
    if phrase.exact and phrase.start is not None:
        return phrase.start, _plus(phrase.start, _EXACT_LENGTH)
    if phrase.start is not None and phrase.end is not None:
        return phrase.start, phrase.end
    if phrase.start is not None:
        latest = max(hours.evening_until, _plus(phrase.start, timedelta(hours=1)))
        return phrase.start, latest
    if phrase.end is not None:
        earliest = (
            hours.opens if hours.opens < phrase.end else _minus(phrase.end, timedelta(hours=1))
        )
        return earliest, phrase.end
    if phrase.part == "evening":
        return hours.closes, hours.evening_until
    if phrase.part in _PART_RANGES:
        return _PART_RANGES[phrase.part]
    if phrase.end_of_day:
        return _minus(hours.closes, timedelta(hours=1)), hours.closes
    return hours.opens, hours.closes


def _window(
    start: datetime, end: datetime, label: str, *, requested: bool = True
) -> CallbackWindow:
    return CallbackWindow(
        start=start.astimezone(UTC), end=end.astimezone(UTC), requested=requested, phrase=label
    )


def _at(day: date, moment: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, moment, tzinfo=tz)


def _round_up(moment: datetime) -> datetime:
    """The next five-minute mark, so that nobody is scheduled for 14:03:27."""
    floor = moment.replace(second=0, microsecond=0)
    extra = timedelta(minutes=floor.minute % 5)
    rounded = floor - extra
    return rounded if rounded == moment else rounded + _ROUND_TO


def _plus(moment: time, delta: timedelta) -> time:
    total = min(moment.hour * 60 + moment.minute + int(delta.total_seconds() // 60), 23 * 60 + 59)
    return time(total // 60, total % 60)


def _minus(moment: time, delta: timedelta) -> time:
    total = max(moment.hour * 60 + moment.minute - int(delta.total_seconds() // 60), 0)
    return time(total // 60, total % 60)
