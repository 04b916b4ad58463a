"""Business-hours arithmetic: SLA clocks only tick while the brand is open, never on holidays."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from atdesk.domain.errors import AppError

MAX_DAYS_AHEAD = 3 * 366


class CalendarError(AppError):
    """A business calendar that cannot be used as written, with what to fix."""


@dataclass(frozen=True, slots=True)
class BusinessHours:
    """Opening intervals per weekday (0 = Monday) in a time zone, and closed days.

    A calendar with no intervals at all is open around the clock.
    """

    timezone: str = "UTC"
    week: Mapping[int, Sequence[tuple[time, time]]] = field(default_factory=dict)
    holidays: frozenset[date] = frozenset()

    @property
    def always_open(self) -> bool:
        """True when no opening hours are set: the clock runs 24/7 (holidays still stop it)."""
        return not any(self.week.values())

    @property
    def zone(self) -> ZoneInfo:
        """The calendar's time zone."""
        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise CalendarError(
                f"unknown time zone {self.timezone!r}; use an IANA name like 'Europe/Madrid'"
            ) from None

    def intervals_on(self, day: date) -> list[tuple[datetime, datetime]]:
        """The open intervals of one local day as aware UTC datetimes (DST handled by the zone)."""
        if day in self.holidays:
            return []
        zone = self.zone
        if self.always_open:
            spans: Sequence[tuple[time, time]] = [(time(0), time(0))]
        else:
            spans = self.week.get(day.weekday(), ())
        out = []
        for start, end in spans:
            begin = datetime.combine(day, start, zone)
            finish = (
                datetime.combine(day + timedelta(days=1), time(0), zone)
                if end == time(0)
                else datetime.combine(day, end, zone)
            )
            if finish > begin:
                out.append((begin.astimezone(UTC), finish.astimezone(UTC)))
        return out

    def add(self, start: datetime, minutes: int) -> datetime:
        """The moment `minutes` business minutes after `start` (an aware datetime)."""
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        remaining = timedelta(minutes=max(0, minutes))
        cursor = start.astimezone(UTC)
        day = cursor.astimezone(self.zone).date()
        for _ in range(MAX_DAYS_AHEAD):
            for begin, finish in self.intervals_on(day):
                if finish <= cursor:
                    continue
                begin = max(begin, cursor)
                available = finish - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
                cursor = finish
            day += timedelta(days=1)
        raise CalendarError(
            "the business calendar has no open hours in the next three years; add opening hours"
        )

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Business time between two moments (zero when end is before start)."""
        if end <= start:
            return timedelta(0)
        total = timedelta(0)
        day = start.astimezone(self.zone).date()
        last = end.astimezone(self.zone).date()
        while day <= last:
            for begin, finish in self.intervals_on(day):
                lo, hi = max(begin, start), min(finish, end)
                if hi > lo:
                    total += hi - lo
            day += timedelta(days=1)
        return total


def parse_clock(value: str) -> time:
    """'09:00' -> time(9); '24:00' means the end of the day."""
    try:
        hours, minutes = (int(part) for part in value.strip().split(":"))
    except ValueError:
        raise CalendarError(f"time {value!r} must look like 09:30") from None
    if (hours, minutes) == (24, 0):
        return time(0)
    if not (0 <= hours < 24 and 0 <= minutes < 60):
        raise CalendarError(f"time {value!r} is not a time of day")
    return time(hours, minutes)


def week_from_json(
    data: Mapping[str, Iterable[Sequence[str]]] | None,
) -> dict[int, list[tuple[time, time]]]:
    """The stored {"0": [["09:00", "17:00"]]} form as times per weekday, checked."""
    week: dict[int, list[tuple[time, time]]] = {}
    for key, spans in (data or {}).items():
        weekday = int(key)
        if not 0 <= weekday <= 6:
            raise CalendarError(f"weekday {key!r} must be 0 (Monday) to 6 (Sunday)")
        parsed = []
        for span in spans:
            start, end = parse_clock(span[0]), parse_clock(span[1])
            if end != time(0) and end <= start:
                raise CalendarError(f"interval {span[0]}-{span[1]} ends before it starts")
            parsed.append((start, end))
        week[weekday] = sorted(parsed)
    return week


def week_to_json(week: Mapping[int, Sequence[tuple[time, time]]]) -> dict[str, list[list[str]]]:
    """Times per weekday in the stored form."""
    return {
        str(day): [
            [s.strftime("%H:%M"), "24:00" if e == time(0) else e.strftime("%H:%M")]
            for s, e in spans
        ]
        for day, spans in sorted(week.items())
        if spans
    }
