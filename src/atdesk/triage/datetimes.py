"""Date and time expressions resolved against the moment a post was written.

Answers are ISO 8601: a date ("2026-11-27"), a date and time ("2026-11-27T15:00:00+00:00"),
or an interval for spans ("2026-11-30/2026-12-06" for "next week"). Conventions, chosen for
people writing to companies and documented in docs/triage.md:
- "this Friday" and a bare "Friday" are the next Friday on or after the post's date
  (SPEC.md §1); "next Friday" is the first Friday after it; "last Friday" the one before.
  The same conventions as the callback and appointment readers (docs/adr/0035).
- "at 3" with no am/pm means business hours: 1-7 are afternoon (15:00), 8-12 morning.
- A month and day with no year is the next one on or after the post's date, unless that day
  passed within the last 60 days ("my order from Oct 28" written in November).
The last two differ by reader: `Conventions` names them, and the callback and appointment
readers (atdesk.integrations.timephrases) ask for `BOOKING` instead of the default `TRIAGE`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

WEEKDAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tues": 1, "tue": 1, "wednesday": 2, "weds": 2,
    "wed": 2, "thursday": 3, "thurs": 3, "thu": 3, "thur": 3, "friday": 4, "fri": 4,
    "saturday": 5, "sat": 5, "sunday": 6, "sun": 6,
}  # fmt: skip
MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11,
    "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "a couple of": 2, "a couple": 2, "couple of": 2, "a few": 3, "few": 3, "half an": 0.5,
}  # fmt: skip
_PARTS_OF_DAY = {
    "morning": (time(8), time(12)),
    "afternoon": (time(12), time(17)),
    "evening": (time(17), time(21)),
    "night": (time(18), time(23, 59)),
    "tonight": (time(18), time(23, 59)),
}

_FULL_WEEKDAY = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day|tues|weds|thurs"
_MONTH_NAMES = (
    *("january", "february", "march", "april", "may", "june", "july", "august", "september"),
    *("october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug"),
    *("sept", "sep", "oct", "nov", "dec"),
)
_MONTH = r"(?:" + "|".join(_MONTH_NAMES) + r")\.?"
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d\d"
_COUNT = r"(?:\d+|a\s+couple\s+of|a\s+couple|couple\s+of|a\s+few|few|half\s+an|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"  # noqa: E501
_UNIT = r"(?:min(?:ute)?s?|hours?|hrs?|days?|weeks?|wks?|months?)"
_DAYPART = r"(?:\s+(?:in\s+the\s+|at\s+)?(?P<pod_{n}>morning|afternoon|evening|night))?"
_CLOCK = (
    r"(?:(?P<h>[01]?\d|2[0-3])(?:[:.\s](?P<m>[0-5]\d))?\s*(?P<ampm>[ap]\.?m\.?)(?![a-z])"
    r"|(?P<h24>[01]?\d|2[0-3]):(?P<m24>[0-5]\d)(?!\d)" + _DAYPART.format(n=1) + r""
    r"|(?P<relm>half|quarter|[1-5]?\d)\s+(?P<reld>past|to)\s+(?P<relh>1\d|2[0-3]|0?\d)(?!\d)"
    r"(?:\s*(?P<relampm>[ap]\.?m\.?)(?![a-z]))?" + _DAYPART.format(n=2) + r""
    r"|(?P<noon>noon|midday|midnight))"
)
_BARE_HOUR = r"(?P<bh>1[0-2]|0?[1-9])(?![\d:/.%$])(?!\s*(?:st|nd|rd|th|days?|weeks?|hours?|mins?|months?|years?|times?|people|items?|%)\b)"  # noqa: E501

_PATTERN = re.compile(
    r"""
    (?P<iso>\b(?P<iy>(?:19|20)\d\d)-(?P<im>[01]\d)-(?P<id>[0-3]\d)\b)
  | (?P<slash>\b(?P<s1>[01]?\d)/(?P<s2>[0-3]?\d)/(?P<sy>(?:19|20)?\d\d)\b)
  | (?P<md>\b(?P<mdm>"""
    + _MONTH
    + r""")\s+(?:the\s+)?(?P<mdd>"""
    + _DAY
    + r""")\b(?:,?\s+(?P<mdy>"""
    + _YEAR
    + r"""))?)
  | (?P<dm>\b(?:the\s+)?(?P<dmd>"""
    + _DAY
    + r""")\s+(?:of\s+)?(?P<dmm>"""
    + _MONTH
    + r""")(?![a-z])(?:,?\s+(?P<dmy>"""
    + _YEAR
    + r"""))?)
  | (?P<theday>\b(?:on\s+)?the\s+(?P<tdd>(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th))\b
        (?!\s+(?:of\s+)?"""
    + _MONTH
    + r"""))
  | (?P<word>\b(?:the\s+)?(?P<w>day\s+after\s+tomorrow|day\s+before\s+yesterday
        |last\s+night|today|tonight|tomorrow|tmrw|tmr|tmw|yesterday)\b)
  | (?P<wd>\b(?:(?P<wdq>this|next|last|coming|on)\s+)?(?P<wdn>"""
    + _FULL_WEEKDAY
    + r""")\b)
  | (?P<span>\b(?P<spq>this|next|last|coming)\s+(?P<spu>week(?:end)?|month|year)\b)
  | (?P<endof>\b(?:the\s+)?end\s+of\s+(?:the\s+)?(?P<eou>day|week|month)\b)
  | (?P<ago>\b(?P<agn>"""
    + _COUNT
    + r""")\s+(?P<agu>"""
    + _UNIT
    + r""")\s+ago\b)
  | (?P<within>\bin\s+(?P<inn>"""
    + _COUNT
    + r""")\s+(?P<inu>"""
    + _UNIT
    + r""")\b)
  | (?P<part>\b(?:this|tomorrow|in\s+the)\s+(?P<pod>morning|afternoon|evening)\b)
  | (?P<clock>\b(?:at\s+|@\s*|by\s+|around\s+|before\s+|after\s+|from\s+|until\s+|til\s+)?"""
    + _CLOCK
    + r""")
  | (?P<athour>\b(?:at|@|around|by)\s+"""
    + _BARE_HOUR
    + r""")
    """,
    re.IGNORECASE | re.VERBOSE,
)
# Most posts mention no date: a cheap search for a digit outside handles and links, or a date
# word, decides whether the full pattern runs at all.
_DATE_WORDS = [
    *("today", "tonight", "tomorrow", "tmrw", "tmr", "tmw", "yesterday", "night", "day"),
    *("days", "week", "weeks", "weekend", "month", "months", "year", "years", "ago"),
    *("min", "mins", "minute", "minutes", "hour", "hours", "hr", "hrs", "wk", "wks"),
    *("morning", "afternoon", "evening", "noon", "midday", "midnight"),
    *WEEKDAYS,
    *MONTHS,
]
_GATE = re.compile(
    r"(?<![@\w/.#])\d|\b(?:" + "|".join(sorted(_DATE_WORDS, key=len, reverse=True)) + r")\b",
    re.IGNORECASE,
)
# The same patterns without IGNORECASE, for lower-cased text: about three times faster.
_PATTERN_LOWER = re.compile(_PATTERN.pattern, re.VERBOSE)
_GATE_LOWER = re.compile(_GATE.pattern)
# Tokens (atdesk.triage.tokens) without which no expression can match: digits, date words.
DATE_TOKENS = frozenset(
    [f"0{n}" for n in range(1, 13)] + [f for w in _DATE_WORDS for f in (w, f"{w}'s")]
)
# "(?<![@\w/.#])\d" and "(?<!\w)[\w@]", with the test on the preceding character written
# after the character, so the engine scans straight for candidates (same matches, faster).
_DIGIT = re.compile(r"\d(?<![@\w/.#]\d)")
_WORD_START = re.compile(r"[\w@](?<!\w.)")
# How an expression of _PATTERN can begin, on lower-cased text: "@", a digit, one of these
# whole words (every alternative's first word), or noon/midday/midnight (not followed by \b).
# Word starts that fit none are not tried: most are not. tests/triage/test_datetimes.py checks
# that no match of _PATTERN starts anywhere else.
_OPENING_WORDS = [
    *("the", "on", "in", "at", "by", "around", "before", "after", "from", "until", "til"),
    *("day", "last", "today", "tonight", "tomorrow", "tmrw", "tmr", "tmw", "yesterday"),
    *("this", "next", "coming", "end", "quarter", "half", "couple", "few", "a", "an"),
    *("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"),
    *("eleven", "twelve", "tues", "weds", "thurs"),
    *(f"{day}day" for day in ("mon", "tues", "wednes", "thurs", "fri", "satur", "sun")),
    *_MONTH_NAMES,
]
_OPENING = re.compile(
    r"[@\d]|(?:"
    + "|".join(sorted(set(_OPENING_WORDS), key=len, reverse=True))
    + r")(?!\w)|noon|midday|midnight"
)
# Word starts (what _WORD_START finds) where _OPENING matches: the only places tried.
_OPENING_START = re.compile(r"(?<!\w)(?:" + _OPENING.pattern + ")")
_JOIN = re.compile(r"^[\s,]*(?:at|@|by|around|from|between|,|-)?[\s,]*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Resolved:
    """One expression: where it was, and what it means."""

    start: int
    end: int
    day: date | None
    clock: time | None = None
    until: date | None = None
    until_clock: time | None = None

    def iso(self, tz: object) -> str:
        """The ISO 8601 form: date, date-time, or interval."""
        return _iso(self.day, self.clock, tz) + (
            "/" + _iso(self.until, self.until_clock, tz) if self.until is not None else ""
        )


@dataclass(frozen=True, slots=True)
class Conventions:
    """What a reader assumes where the words leave it open; callers differ, so each says which.

    past_dates, for a month and day with no year that has already passed this year:
    "recent" keeps it if it was at most RECENT_PAST_DAYS ago (people mention orders they
    placed), else the next one; "upcoming" always means the next one (people book ahead).
    bare_hour, for a clock reading with no am/pm ("3:00", "half past 3"): "as_said" reads it
    on the 24-hour clock unless a part of day moves it; "office" reads 1-7 as the afternoon,
    8-12 as said, as a customer asking a company to call means. A lone hour after at/around/by
    ("at 3") is read in office hours under both.
    """

    past_dates: Literal["recent", "upcoming"] = "recent"
    bare_hour: Literal["as_said", "office"] = "as_said"


# The default, for posts read at triage; and the one for asking when to call or visit.
TRIAGE = Conventions()
BOOKING = Conventions(past_dates="upcoming", bare_hour="office")


def _iso(day: date | None, clock: time | None, tz: object) -> str:
    assert day is not None
    if clock is None:
        return day.isoformat()
    moment = datetime.combine(day, clock, tzinfo=tz)  # type: ignore[arg-type]
    return moment.isoformat()


def _count(word: str) -> float:
    word = " ".join(word.lower().split())
    return float(word) if word.isdigit() else float(_NUMBER_WORDS.get(word, 1))


def _shift(moment: datetime, amount: float, unit: str) -> datetime:
    unit = unit.lower()
    if unit.startswith("min"):
        return moment + timedelta(minutes=amount)
    if unit.startswith("h"):
        return moment + timedelta(hours=amount)
    if unit.startswith("d"):
        return moment + timedelta(days=amount)
    if unit.startswith("w"):
        return moment + timedelta(weeks=amount)
    months = round(amount)
    month0 = moment.month - 1 + months
    year, month = moment.year + month0 // 12, month0 % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, _month_days(year, month)))


def _month_days(year: int, month: int) -> int:
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return (nxt - timedelta(days=1)).day


RECENT_PAST_DAYS = 60


def _nearest(today: date, month: int, day: int) -> date | None:
    """The next occurrence of a month/day, unless it passed within the last 60 days."""
    options = [
        date(year, month, day)
        for year in (today.year - 1, today.year, today.year + 1)
        if day <= _month_days(year, month)
    ]
    if not options:
        return None
    upcoming = [d for d in options if d >= today]
    recent = [d for d in options if 0 < (today - d).days <= RECENT_PAST_DAYS]
    if recent:
        return recent[-1]
    # "Feb 29" said long after the last one, with none in the coming year: no date.
    return upcoming[0] if upcoming else None


def _upcoming(today: date, month: int, day: int) -> date | None:
    """This year's month/day, or next year's once it has passed ("Jan 5" said in November)."""
    try:
        candidate = date(today.year, month, day)
        return candidate if candidate >= today else date(today.year + 1, month, day)
    except ValueError:
        return None


def month_day(today: date, month: int, day: int, conventions: Conventions = TRIAGE) -> date | None:
    """The date a month and day with no year mean, as the conventions read a past one."""
    if conventions.past_dates == "upcoming":
        return _upcoming(today, month, day)
    return _nearest(today, month, day)


def day_of_month(today: date, day: int) -> date | None:
    """ "The 3rd": this month's, or next month's once it has passed (None if it has no such day)."""
    year, month = today.year, today.month
    if day < today.day:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    if not 1 <= day <= _month_days(year, month):
        return None
    return date(year, month, day)


def weekday_date(today: date, weekday: int, qualifier: str = "") -> date:
    """The day a weekday name means: on or after today, after it ("next"), before it ("last")."""
    if qualifier == "last":
        return today - timedelta(days=(today.weekday() - weekday) % 7 or 7)
    ahead = (weekday - today.weekday()) % 7
    return today + timedelta(days=(ahead or 7) if qualifier == "next" else ahead)


def _day_number(text: str) -> int:
    return int(re.sub(r"\D", "", text))


def _with_daypart(hour: int, daypart: str | None) -> int:
    """Move a 12-hour clock reading into the afternoon or night its daypart names."""
    if daypart and hour < 12 and daypart.lower() in ("afternoon", "evening", "night"):
        return 0 if daypart.lower() == "night" and hour == 12 else hour + 12
    return hour


def _office_hour(hour: int, daypart: str | None) -> int:
    """A bare hour for a company call: 1-7 is afternoon, 8-11 morning, unless the text says."""
    if daypart == "morning":
        return hour
    if daypart in ("afternoon", "evening", "lunch") and hour < 12:
        return hour + 12
    if hour == 12 or hour >= 8:
        return hour
    return hour + 12


def unmarked_hour(hour: int, daypart: str | None, conventions: Conventions = TRIAGE) -> int:
    """The hour of a reading with no am/pm, moved by its part of day and the conventions."""
    if conventions.bare_hour == "office":
        return _office_hour(hour, daypart.lower() if daypart else None)
    return _with_daypart(hour, daypart)


def _hour_from(match: re.Match[str], conventions: Conventions) -> time | None:
    g = match.groupdict()
    if g.get("noon"):
        return time(0) if g["noon"].lower() == "midnight" else time(12)
    if g.get("h24") is not None:
        return time(unmarked_hour(int(g["h24"]), g.get("pod_1"), conventions), int(g["m24"]))
    if g.get("relm") is not None:
        words = {"half": 30, "quarter": 15}
        minutes = words.get(g["relm"].lower()) or int(g["relm"])
        hour = int(g["relh"])
        if g["reld"].lower() == "to":
            hour, minutes = (hour - 1) % 24, 60 - minutes
        if g.get("relampm"):
            hour = hour % 12 + (12 if g["relampm"].lower().startswith("p") else 0)
        else:
            hour = unmarked_hour(hour, g.get("pod_2"), conventions)
        return time(hour, minutes % 60) if minutes < 60 else None
    if g.get("h") is not None:
        hour, minute = int(g["h"]), int(g["m"] or 0)
        pm = g["ampm"].lower().startswith("p")
        if hour > 12:
            return time(hour, minute)
        hour = hour % 12 + (12 if pm else 0)
        return time(hour, minute)
    if g.get("bh") is not None:
        return time(_office_hour(int(g["bh"]), None))
    return None


def _resolve(
    match: re.Match[str], now: datetime, conventions: Conventions = TRIAGE
) -> Resolved | None:
    kind = match.lastgroup
    g = match.groupdict()
    today = now.date()
    start, end = match.span()
    if kind == "iso":
        try:
            return Resolved(start, end, date(int(g["iy"]), int(g["im"]), int(g["id"])))
        except ValueError:
            return None
    if kind == "slash":
        first, second, year = int(g["s1"]), int(g["s2"]), int(g["sy"])
        year += 2000 if year < 100 else 0
        month, day = (first, second) if first <= 12 else (second, first)
        try:
            return Resolved(start, end, date(year, month, day))
        except ValueError:
            return None
    if kind in ("md", "dm"):
        month = MONTHS[g[f"{kind}m"].lower().rstrip(".")]
        day = _day_number(g[f"{kind}d"])
        year_text = g[f"{kind}y"]
        if kind == "dm" and month == 5 and not re.search(r"\d", g["dmd"]):
            return None
        try:
            resolved = (
                date(int(year_text), month, day)
                if year_text
                else month_day(today, month, day, conventions)
            )
        except ValueError:
            return None
        return Resolved(start, end, resolved) if resolved else None
    if kind == "theday":
        resolved = day_of_month(today, _day_number(g["tdd"]))
        return Resolved(start, end, resolved) if resolved else None
    if kind == "word":
        word = re.sub(r"\s+", " ", g["w"].lower())
        offsets = {
            "today": 0, "tonight": 0, "tomorrow": 1, "tmrw": 1, "tmr": 1, "tmw": 1,
            "yesterday": -1, "day after tomorrow": 2, "day before yesterday": -2,
            "last night": -1,
        }  # fmt: skip
        when = today + timedelta(days=offsets[word])
        if word == "tonight":
            low, high = _PARTS_OF_DAY["tonight"]
            return Resolved(start, end, when, low, when, high)
        return Resolved(start, end, when)
    if kind == "wd":
        target = WEEKDAYS[g["wdn"].lower()]
        return Resolved(start, end, weekday_date(today, target, (g["wdq"] or "").lower()))
    if kind == "span":
        return _span(start, end, g["spq"].lower(), g["spu"].lower(), today)
    if kind == "endof":
        unit = g["eou"].lower()
        if unit == "day":
            return Resolved(start, end, today, time(17))
        if unit == "week":
            return Resolved(start, end, today + timedelta(days=4 - today.weekday()))
        return Resolved(
            start, end, date(today.year, today.month, _month_days(today.year, today.month))
        )
    if kind == "ago":
        moment = _shift(now, -_count(g["agn"]), g["agu"])
        precise = g["agu"].lower().startswith(("min", "h"))
        return Resolved(
            start,
            end,
            moment.date(),
            moment.time().replace(second=0, microsecond=0) if precise else None,
        )
    if kind == "within":
        moment = _shift(now, _count(g["inn"]), g["inu"])
        precise = g["inu"].lower().startswith(("min", "h"))
        return Resolved(
            start,
            end,
            moment.date(),
            moment.time().replace(second=0, microsecond=0) if precise else None,
        )
    if kind == "part":
        low, high = _PARTS_OF_DAY[g["pod"].lower()]
        tomorrow = match.group(0).lower().startswith("tomorrow")
        when = today + timedelta(days=1 if tomorrow else 0)
        return Resolved(start, end, when, low, when, high)
    if kind in ("clock", "athour"):
        clock = _hour_from(match, conventions)
        return Resolved(start, end, today, clock) if clock is not None else None
    return None


def _span(start: int, end: int, qualifier: str, unit: str, today: date) -> Resolved:
    step = {"next": 1, "coming": 1, "last": -1, "this": 0}[qualifier]
    if unit == "week":
        monday = today - timedelta(days=today.weekday()) + timedelta(weeks=step)
        return Resolved(start, end, monday, None, monday + timedelta(days=6))
    if unit == "weekend":
        saturday = today + timedelta(days=(5 - today.weekday()) % 7) + timedelta(weeks=max(step, 0))
        if step < 0:
            saturday = today - timedelta(days=(today.weekday() - 5) % 7 or 7)
        return Resolved(start, end, saturday, None, saturday + timedelta(days=1))
    if unit == "month":
        month0 = today.month - 1 + step
        year, month = today.year + month0 // 12, month0 % 12 + 1
        first = date(year, month, 1)
        return Resolved(start, end, first, None, date(year, month, _month_days(year, month)))
    year = today.year + step
    return Resolved(start, end, date(year, 1, 1), None, date(year, 12, 31))


def _anchors(
    subject: str, gate: re.Pattern[str], words: frozenset[str] | set[str] | None
) -> list[int]:
    """Where digits and date words start; with the post's tokens, found without the slow gate."""
    if words is None:
        return [m.start() for m in gate.finditer(subject)]
    found = [m.start() for m in _DIGIT.finditer(subject)]
    for token in DATE_TOKENS.intersection(words):
        if token[0] == "0":
            continue
        word = token.split("'")[0]
        at = subject.find(word)
        while at != -1:
            found.append(at)
            at = subject.find(word, at + 1)
    return found


def _candidates(
    text: str, words: frozenset[str] | set[str] | None = None
) -> Iterator[re.Match[str]]:
    """Matches of the full pattern, tried only at word starts just before a digit or date word.

    Sliding the full pattern over a whole post is slow (it has many alternatives). Every
    expression it knows starts at most 22 characters before its first digit or date word
    ("day after tomorrow", "a couple of days ago"), so only those word starts are tried.
    """
    lowered = text.lower()
    if len(lowered) == len(text):
        gate, pattern, subject = _GATE_LOWER, _PATTERN_LOWER, lowered
    else:
        gate, pattern, subject = _GATE, _PATTERN, text
    starts: set[int] = set()
    for anchor in _anchors(subject, gate, words if subject is lowered else None):
        low = max(0, anchor - 22)
        if subject is lowered:  # lower-case: only word starts that can open an expression
            # an opening word is at most 9 letters: this end lets (?!\w) see past any of them
            for found in _OPENING_START.finditer(subject, low, anchor + 11):
                if found.start() > anchor:
                    break
                starts.add(found.start())
        else:
            starts.update(m.start() for m in _WORD_START.finditer(subject, low, anchor + 1))
    position = 0
    for start in sorted(starts):
        if start < position:
            continue
        match = pattern.match(subject, start, min(len(subject), start + 80))
        if match is not None and match.end() > match.start():
            position = match.end()
            yield match


def find_datetimes(
    text: str,
    created_at: datetime | None,
    words: frozenset[str] | set[str] | None = None,
    conventions: Conventions = TRIAGE,
) -> list[Resolved]:
    """Every date/time expression in the text, with a date joined to the time that follows it.

    words, the post's tokens when the caller has them, skip posts with no digit or date word.
    """
    if words is not None and DATE_TOKENS.isdisjoint(words):
        return []
    now = created_at or datetime.now(UTC)
    found: list[Resolved] = []
    for match in _candidates(text, words):
        resolved = _resolve(match, now, conventions)
        if resolved is None:
            continue
        is_clock = match.lastgroup in ("clock", "athour")
        if found and is_clock and resolved.clock is not None:
            previous = found[-1]
            gap = text[previous.end : resolved.start]
            if previous.clock is None and previous.until is None and _JOIN.match(gap):
                found[-1] = Resolved(previous.start, resolved.end, previous.day, resolved.clock)
                continue
        if (
            found
            and match.lastgroup not in ("clock", "athour")
            and found[-1].clock is not None
            and found[-1].until is None
            and _JOIN.match(text[found[-1].end : resolved.start])
            and resolved.clock is None
            and resolved.until is None
            and found[-1].day == now.date()
        ):
            previous = found[-1]
            found[-1] = Resolved(previous.start, resolved.end, resolved.day, previous.clock)
            continue
        found.append(resolved)
    return found


def resolve_datetimes(
    text: str, created_at: datetime | None, conventions: Conventions = TRIAGE
) -> list[str]:
    """ISO 8601 strings for every expression, in order, without repeats."""
    now = created_at or datetime.now(UTC)
    tz = now.tzinfo or UTC
    found = find_datetimes(text, now, conventions=conventions)
    return list(dict.fromkeys(r.iso(tz) for r in found))


# Requests: a customer saying when to call or visit ("tomorrow after 5", "between 2 and 4").
# Read as a whole for one day and one clock range, not expression by expression; the
# callback and appointment reader (atdesk.integrations.timephrases) uses these with BOOKING.
_REQUEST_CLOCK = (
    r"(?:(?P<{p}h>\d{{1,2}})(?:[:.](?P<{p}m>[0-5]\d))?\s*(?P<{p}ap>a\.?m\.?|p\.?m\.?)?"
    r"|(?P<{p}noon>noon|midday))"
)


def _request_clock(prefix: str) -> str:
    return _REQUEST_CLOCK.format(p=prefix)


_BETWEEN = re.compile(
    rf"\b(?:between|from)\s+{_request_clock('a')}\s*(?:and|to|-|–)\s*{_request_clock('b')}(?![\w:])"
    rf"|(?<![\w:])(?P<rh>\d{{1,2}})(?:[:.](?P<rm>[0-5]\d))?\s*(?P<rap>am|pm)?\s*(?:-|–|to)\s*"
    rf"(?P<sh>\d{{1,2}})(?:[:.](?P<sm>[0-5]\d))?\s*(?P<sap>am|pm)(?!\w)"
)
_AFTER = re.compile(rf"\b(?:after|from|past)\s+{_request_clock('c')}(?![\w:])")
_BEFORE = re.compile(rf"\b(?:before|by|until|till|til)\s+{_request_clock('d')}(?![\w:])")
_AT = re.compile(rf"\b(?:at|around|about|@)\s+{_request_clock('e')}(?![\w:])")
# A clock written as one ("9am", "2:30 p.m.", "14:00"), with nothing around it saying so.
_WRITTEN_CLOCK = (
    r"(?<![\w:$£€#/])(?P<fh>\d{1,2})(?:[:.](?P<fm>[0-5]\d))?\s*(?P<fap>a\.?m\.?|p\.?m\.?)(?!\w)"
    r"|(?<![\w:$£€#/])(?P<gh>\d{1,2}):(?P<gm>[0-5]\d)(?![\w:])"
)
WRITTEN_CLOCK = re.compile(_WRITTEN_CLOCK)
_BARE = re.compile(_WRITTEN_CLOCK + r"|\b(?P<gnoon>noon|midday)\b")

_MONTH_WORD = "|".join(sorted(MONTHS, key=len, reverse=True))
_TODAY = re.compile(r"\b(?:today|tonight|tonite|this (?:morning|afternoon|evening))\b")
_DAY_AFTER = re.compile(r"\b(?:day after tomorrow|day after tmrw)\b")
_TOMORROW = re.compile(r"\b(?:tomorrow|tmrw|tmr|tomorow|tommorow|tommorrow|2morrow|2moro)\b")
_NEXT_WEEK = re.compile(r"\bnext week\b")
_WEEKDAY = re.compile(
    r"\b(?:(?P<q>this|next|on|coming|by)\s+)?"
    r"(?P<d>monday|tuesday|wednesday|thursday|friday|saturday|sunday"
    r"|tues|tue|thurs|thur|thu|fri|mon|wed|sat|sun)s?\b"
)
# Short forms that are also English words ("sat", "sun", "wed", "mon") need "this/next/on".
_RISKY_SHORT = frozenset({"mon", "wed", "sat", "sun"})
_DATE = re.compile(
    rf"\b(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m1>{_MONTH_WORD})\b\.?"
    rf"|\b(?P<m2>{_MONTH_WORD})\.?\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\b"
    r"|\bthe\s+(?P<d3>\d{1,2})(?:st|nd|rd|th)\b"
)


def request_day(
    text: str, today: date, matched: list[str], conventions: Conventions
) -> tuple[date | None, bool]:
    """The one day a request names, and whether it is today; what was read goes to matched.

    text is lower-cased with single spaces. The first of: the day after tomorrow, tomorrow,
    today, next week (with no weekday), a weekday, a calendar date.
    """
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
        matched.append(found.group(0))
        return weekday_date(today, WEEKDAYS[name], qualifier or ""), False
    found_date = _DATE.search(text)
    if found_date:
        resolved = _calendar_date(found_date, today, conventions)
        if resolved is not None:
            matched.append(found_date.group(0))
            return resolved, resolved == today
    return None, False


def _calendar_date(found: re.Match[str], today: date, conventions: Conventions) -> date | None:
    day = int(found.group("d1") or found.group("d2") or found.group("d3"))
    month_text = found.group("m1") or found.group("m2")
    if month_text is None:
        return day_of_month(today, day)
    return month_day(today, MONTHS[month_text], day, conventions)


def request_clock(
    text: str, part: str | None, matched: list[str], conventions: Conventions
) -> tuple[time | None, time | None, bool]:
    """The clock range a request names (start, end, whether exact); what was read to matched.

    The first of: a range ("between 2 and 4", "2-4pm"), after/before bounds, "at" a time, a
    written clock. A reading with no am/pm is moved by part (of day) and the conventions.
    """
    between = _BETWEEN.search(text)
    if between:
        first_prefix, second_prefix = (
            ("a", "b") if between.group("ah") or between.group("anoon") else ("r", "s")
        )
        second_ap = between.group(f"{second_prefix}ap")
        second = read_clock(between, second_prefix, part, conventions)
        first = read_clock(between, first_prefix, part, conventions, second_ap)
        if first is not None and second is not None:
            if first >= second and between.group(f"{first_prefix}ap") is None:
                # "between 11 and 1": the first hour is in the morning.
                first = read_clock(between, first_prefix, "morning", conventions)
            if first is not None and first < second:
                matched.append(between.group(0))
                return first, second, False
    after = _AFTER.search(text)
    before = _BEFORE.search(text)
    start = read_clock(after, "c", part, conventions) if after else None
    end = read_clock(before, "d", part, conventions) if before else None
    if start is not None or end is not None:
        matched.extend(m.group(0) for m in (after, before) if m)
        if start is not None and end is not None and end <= start:
            end = None
        return start, end, False
    at = _AT.search(text)
    if at:
        exact = read_clock(at, "e", part, conventions)
        if exact is not None:
            matched.append(at.group(0))
            return exact, None, True
    bare = _BARE.search(text)
    if bare:
        prefix = "f" if bare.group("fh") else "g"
        exact = read_clock(bare, prefix, part, conventions)
        if exact is not None:
            matched.append(bare.group(0))
            return exact, None, True
    return None, None, False


def read_clock(
    found: re.Match[str],
    prefix: str,
    part: str | None,
    conventions: Conventions,
    shared_ap: str | None = None,
) -> time | None:
    """The time of a clock matched with these group names (prefix+"h", "m", "ap", "noon").

    shared_ap is the am/pm of a range's other end ("2-4pm"); None when the hour cannot be one.
    """
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
        hour = unmarked_hour(hour, part, conventions)
    if hour > 23:
        return None
    return time(hour, minute)
