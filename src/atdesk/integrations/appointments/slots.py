"""Find free appointment slots, offer them as numbered options, and read the customer's pick.

Pure logic over plain values: the storage layer loads resources and bookings, calls these
functions, and stores the outcome. "No slot", "conflict" and "unclear answer" are typed
results, not exceptions, because each one leads to a normal reply and a human hand-off.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from atdesk.integrations.timephrases import parse_time_phrase
from atdesk.triage.datetimes import TRIAGE, read_clock

WorkingHours = Mapping[int, Sequence[tuple[time, time]]]

_PARTS = {
    "morning": (time(0, 0), time(12, 0)),
    "afternoon": (time(12, 0), time(17, 0)),
    "evening": (time(17, 0), time(23, 59)),
}


@dataclass(frozen=True, slots=True)
class Resource:
    """A technician, room or team that can take appointments during its local working hours.

    `hours` maps a weekday (0 Monday .. 6 Sunday) to working intervals; `kinds` limits the
    appointment kinds it does (empty: all kinds).
    """

    id: str
    name: str
    hours: WorkingHours
    kinds: frozenset[str] = field(default_factory=frozenset)

    def does(self, kind: str | None) -> bool:
        """Whether this resource can take an appointment of this kind."""
        return kind is None or not self.kinds or kind in self.kinds


@dataclass(frozen=True, slots=True)
class Booking:
    """Time a resource is already taken (an appointment or a block), in UTC."""

    id: str
    resource_id: str
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class Slot:
    """A free period with one resource, in UTC."""

    resource_id: str
    resource_name: str
    start: datetime
    end: datetime

    def describe(self, tz: ZoneInfo) -> str:
        """Like "Fri 27 Nov 09:00–11:00 with Sam", in the brand's timezone."""
        start, end = self.start.astimezone(tz), self.end.astimezone(tz)
        when = f"{start:%a} {start.day} {start:%b} {start:%H:%M}–{end:%H:%M}"
        return f"{when} with {self.resource_name}"


@dataclass(frozen=True, slots=True)
class SlotOption:
    """One numbered choice in a private message."""

    number: int
    slot: Slot


@dataclass(frozen=True, slots=True)
class SlotOffer:
    """The options sent to the customer; keep it to read their answer against."""

    day: date
    tz: ZoneInfo
    options: tuple[SlotOption, ...]

    def option(self, number: int) -> SlotOption | None:
        """The option with this number, if there is one."""
        return next((o for o in self.options if o.number == number), None)


@dataclass(frozen=True, slots=True)
class NoAvailability:
    """Nothing free on that day (or in that part of it): say so and hand to a human."""

    day: date
    reason: str


@dataclass(frozen=True, slots=True)
class DayRequest:
    """The day (and optional local time range) a customer asked for."""

    day: date
    within: tuple[time, time] | None = None
    phrase: str = ""


@dataclass(frozen=True, slots=True)
class Chosen:
    """The customer picked this option."""

    option: SlotOption


@dataclass(frozen=True, slots=True)
class NoneOfThese:
    """The customer wants none of the options: hand to a human to find another time."""


@dataclass(frozen=True, slots=True)
class Unclear:
    """The answer does not name exactly one option; ask again, listing `candidates` if any."""

    reason: str
    candidates: tuple[int, ...] = ()


ChoiceResult = Chosen | NoneOfThese | Unclear


@dataclass(frozen=True, slots=True)
class Conflict:
    """The slot was taken after it was offered (or clashes with this booking)."""

    slot: Slot
    booking_id: str


def requested_day(text: str, *, created_at: datetime, tz: ZoneInfo) -> DayRequest | None:
    """The day in "reschedule my visit to this Friday anytime", or None if no day is named."""
    phrase = parse_time_phrase(text, created_at=created_at, tz=tz)
    if phrase.day is None:
        return None
    within: tuple[time, time] | None = None
    if phrase.start is not None and phrase.end is not None:
        within = (phrase.start, phrase.end)
    elif phrase.start is not None:
        within = (phrase.start, time(23, 59))
    elif phrase.end is not None:
        within = (time(0, 0), phrase.end)
    elif phrase.part in _PARTS and not phrase.anytime:
        within = _PARTS[phrase.part]
    return DayRequest(day=phrase.day, within=within, phrase=", ".join(phrase.matched))


def find_slots(
    *,
    resources: Sequence[Resource],
    bookings: Iterable[Booking],
    day: date,
    tz: ZoneInfo,
    duration: timedelta,
    kind: str | None = None,
    within: tuple[time, time] | None = None,
    not_before: datetime | None = None,
    step: timedelta | None = None,
    limit: int = 5,
    moving: str | None = None,
) -> SlotOffer | NoAvailability:
    """Free slots of `duration` on `day`, one per start time, at most `limit`, numbered from 1.

    `moving` is the id of the appointment being rescheduled: its own time counts as free.
    `not_before` (usually now) drops slots that start in the past.
    """
    if duration <= timedelta(0) or limit < 1:
        raise ValueError("duration must be positive and limit at least 1")
    stride = step or duration
    busy: dict[str, list[Booking]] = {}
    for booking in bookings:
        if booking.id != moving:
            busy.setdefault(booking.resource_id, []).append(booking)
    able = [r for r in resources if r.does(kind)]
    if not able:
        return NoAvailability(day, f"nobody takes {kind} appointments")
    free: list[Slot] = []
    for resource in able:
        for opens, closes in resource.hours.get(day.weekday(), ()):
            start = datetime.combine(day, opens, tzinfo=tz)
            limit_end = datetime.combine(day, closes, tzinfo=tz)
            while start + duration <= limit_end:
                slot = Slot(
                    resource.id,
                    resource.name,
                    start.astimezone(UTC),
                    (start + duration).astimezone(UTC),
                )
                if _fits(slot, tz, within, not_before) and not _clash(
                    slot, busy.get(resource.id, [])
                ):
                    free.append(slot)
                start += stride
    if not free:
        where = f" between {within[0]:%H:%M} and {within[1]:%H:%M}" if within else ""
        return NoAvailability(
            day, f"no free {_duration_text(duration)} slot on {day:%a %d %b}{where}"
        )
    rank = {r.id: i for i, r in enumerate(able)}
    chosen = _spread(free, rank, limit)
    options = tuple(SlotOption(n, slot) for n, slot in enumerate(chosen, start=1))
    return SlotOffer(day=day, tz=tz, options=options)


def check_conflict(
    slot: Slot, bookings: Iterable[Booking], *, moving: str | None = None
) -> Conflict | None:
    """Check again just before booking: someone else may have taken the slot meanwhile."""
    for booking in bookings:
        same_resource = booking.id != moving and booking.resource_id == slot.resource_id
        if same_resource and _clash(slot, [booking]):
            return Conflict(slot, booking.id)
    return None


def render_offer(offer: SlotOffer, *, what: str = "visit") -> str:
    """The private message listing the options."""
    lines = [f"Here are the times we can offer for your {what}:"]
    lines += [f"{o.number}) {o.slot.describe(offer.tz)}" for o in offer.options]
    lines.append('Reply with the number of the one you want, or "none" if none of these work.')
    return "\n".join(lines)


def render_no_availability(result: NoAvailability, *, what: str = "visit") -> str:
    """The reply when nothing is free: honest, with a human taking over."""
    return (
        f"Sorry, we have no free time for your {what} on {result.day:%A %d %B}. "
        "A member of our team will message you shortly to find another time."
    )


def render_confirmation(slot: Slot, tz: ZoneInfo, *, what: str = "visit") -> str:
    """The confirmation after the appointment was moved."""
    return f"Done: your {what} is now {slot.describe(tz)}. We've updated your calendar."


def render_conflict(conflict: Conflict, tz: ZoneInfo) -> str:
    """The reply when the chosen slot was taken meanwhile."""
    return (
        f"Sorry, {conflict.slot.describe(tz)} was just taken. "
        "A member of our team will message you shortly with another time."
    )


def render_clarification(result: Unclear, offer: SlotOffer) -> str:
    """Ask again, naming the options that still fit the customer's answer."""
    numbers = result.candidates or tuple(o.number for o in offer.options)
    listed = ", ".join(str(n) for n in numbers[:-1])
    choices = f"{listed} or {numbers[-1]}" if listed else str(numbers[-1])
    return f'Sorry, which one would you like? Please reply {choices}, or "none".'


_WORD_NUMBERS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}
_ORDINALS = {
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
    "fifth": 5,
    "5th": 5,
    "sixth": 6,
    "6th": 6,
}
_NONE = re.compile(
    r"\b(?:none|neither|nope|no thanks|no thank you|not any|nothing works|"
    r"(?:doesn't|does not|don't|do not|won't|will not|can't|cannot) work|"
    r"other (?:times?|days?)|another (?:time|day)|something else|different (?:time|day))\b"
)
_BARE_NO = re.compile(r"^\s*(?:no|nah|n)\s*[.!]*\s*$")
_YES = re.compile(r"^\s*(?:yes|yeah|yep|ok|okay|sure|fine|that works|perfect|great)\b")
_DIGIT = re.compile(r"(?<![\d:.,/£$€])#?(\d{1,2})(?![\d:]|\s*(?:am|pm|a\.m|p\.m|h\b|hrs?\b|th\b))")
_WORD_NUMBER = re.compile(
    rf"\b(?:option|number|no\.?|choice|#)\s*({'|'.join(_WORD_NUMBERS)})\b"
    rf"|^\s*({'|'.join(_WORD_NUMBERS)})\s*(?:please|pls|thanks|thank you)?\s*[.!]*\s*$"
)
_ORDINAL = re.compile(rf"\b({'|'.join(_ORDINALS)})\b")
_LAST = re.compile(r"\b(?:last|latest|later one|final)\b")
_EARLIEST = re.compile(r"\b(?:earliest|earlier one|soonest)\b")
# A reply's clock ("9am", "14:30"), in the group names of atdesk.triage.datetimes.read_clock.
# Not datetimes.WRITTEN_CLOCK: this one also reads "#9am" and "10:30:00" but not "9 a.m" or
# "9.30am", and parse_choice keeps what it has always read.
_REPLY_CLOCK = re.compile(
    r"(?<![\d:])(?P<fh>\d{1,2})(?::(?P<fm>[0-5]\d))?\s*(?P<fap>am|pm|a\.m\.|p\.m\.)"
    r"|(?<![\d:])(?P<gh>\d{1,2}):(?P<gm>[0-5]\d)(?!\d)"
)
_PART_WORDS = (
    ("morning", re.compile(r"\bmorning\b")),
    ("afternoon", re.compile(r"\bafternoon\b")),
    ("evening", re.compile(r"\b(?:evening|night)\b")),
)


def parse_choice(text: str, offer: SlotOffer) -> ChoiceResult:
    """Read "2", "option 2", "the morning one", "the first", "9am", "with Sam", "none of these"."""
    said = " ".join(text.lower().replace("’", "'").split())
    if not offer.options:
        return Unclear("there were no options to choose from")
    numbers = _numbers(said)
    declined = bool(_NONE.search(said) or _BARE_NO.match(said))
    if declined:
        if numbers:
            return Unclear("the answer both declines and names an option")
        return NoneOfThese()
    if len(numbers) > 1:
        return Unclear(f"the answer names several options ({', '.join(map(str, sorted(numbers)))})")
    if numbers:
        (number,) = numbers
        chosen = offer.option(number)
        if chosen is None:
            return Unclear(f"there is no option {number}")
        return Chosen(chosen)
    candidates = list(offer.options)
    filtered = False
    if _LAST.search(said):
        candidates, filtered = [offer.options[-1]], True
    elif _EARLIEST.search(said):
        candidates, filtered = [offer.options[0]], True
    for name, pattern in _PART_WORDS:
        if pattern.search(said):
            low, high = _PARTS[name]
            candidates = [
                o for o in candidates if low <= o.slot.start.astimezone(offer.tz).time() < high
            ]
            filtered = True
    clock = _clock_time(said)
    if clock is not None:
        candidates = [o for o in candidates if _local_time(o, offer.tz) == clock]
        filtered = True
    people = {o.slot.resource_name.lower() for o in offer.options}
    named = {p for p in people if re.search(rf"\b{re.escape(p)}\b", said)}
    if named:
        candidates = [o for o in candidates if o.slot.resource_name.lower() in named]
        filtered = True
    if not filtered:
        if _YES.match(said) and len(offer.options) == 1:
            return Chosen(offer.options[0])
        return Unclear("the answer does not name an option")
    if len(candidates) == 1:
        return Chosen(candidates[0])
    if not candidates:
        return Unclear("no option matches the answer")
    return Unclear("more than one option matches the answer", tuple(o.number for o in candidates))


def _numbers(said: str) -> set[int]:
    found = {int(m.group(1)) for m in _DIGIT.finditer(said)}
    for match in _WORD_NUMBER.finditer(said):
        found.add(_WORD_NUMBERS[match.group(1) or match.group(2)])
    for match in _ORDINAL.finditer(said):
        found.add(_ORDINALS[match.group(1)])
    # Larger numbers are dates or amounts ("Fri 27 Nov"), never option numbers.
    return {n for n in found if 1 <= n <= 20}


def _clock_time(said: str) -> time | None:
    """The clock time a reply names, read as written: no office-hours guess for "14:30"."""
    match = _REPLY_CLOCK.search(said)
    if not match:
        return None
    return read_clock(match, "f" if match.group("fh") else "g", None, TRIAGE)


def _local_time(option: SlotOption, tz: ZoneInfo) -> time:
    return option.slot.start.astimezone(tz).time().replace(second=0, microsecond=0)


def _fits(
    slot: Slot, tz: ZoneInfo, within: tuple[time, time] | None, not_before: datetime | None
) -> bool:
    if not_before is not None and slot.start < not_before:
        return False
    if within is None:
        return True
    start, end = slot.start.astimezone(tz), slot.end.astimezone(tz)
    low = datetime.combine(start.date(), within[0], tzinfo=tz)
    high = datetime.combine(start.date(), within[1], tzinfo=tz)
    return low <= start and end <= high


def _clash(slot: Slot, bookings: Sequence[Booking]) -> bool:
    return any(b.start < slot.end and slot.start < b.end for b in bookings)


def _spread(free: list[Slot], rank: Mapping[str, int], limit: int) -> list[Slot]:
    """One option per start time (the first resource in configured order takes it), spread
    evenly across the day when there are more times than `limit`, so the customer sees choice.
    """
    free.sort(key=lambda s: (s.start, rank[s.resource_id]))
    by_start: dict[datetime, Slot] = {}
    for slot in free:
        by_start.setdefault(slot.start, slot)
    starts = list(by_start.values())
    if len(starts) <= limit:
        return starts
    if limit == 1:
        return starts[:1]
    picks = sorted({round(i * (len(starts) - 1) / (limit - 1)) for i in range(limit)})
    return [starts[i] for i in picks]


def _duration_text(duration: timedelta) -> str:
    minutes = int(duration.total_seconds() // 60)
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours}-hour"
    return f"{minutes}-minute"
