"""Which of a customer's visits a reschedule message means, read from its words alone.

"Move my Dec 5 install to Friday" names the current day (Dec 5), the kind (install) and the
day wanted (Friday). Dates come from the triage date resolver against the post's local time;
the one named as the current visit ("from Tuesday", "my Dec 5 install", "the visit on the
12th") is told apart from the one asked for ("to Friday", "for next week"). Pure: the
caller loads the visits and acts on the result. Two or more fits are a question, not a guess.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from atdesk.integrations.appointments import DayRequest
from atdesk.triage.datetimes import Resolved, find_datetimes
from atdesk.triage.lexicon import STOP_WORDS

# Service words a customer uses for a kind of visit; a brand's own kinds are added to them.
KIND_WORDS = frozenset([
    "install", "installation", "repair", "upgrade", "maintenance", "inspection", "setup",
    "survey", "fitting", "removal", "replacement", "delivery", "checkup", "activation",
])  # fmt: skip
# Words of any reschedule message, or of time, that tell no visit from another.
_GENERIC = frozenset([
    "visit", "visits", "appointment", "appointments", "appt", "booking", "technician", "tech",
    "engineer", "reschedule", "rescheduled", "move", "moved", "change", "push", "time", "times",
    "day", "days", "week", "weekend", "month", "today", "tomorrow", "morning", "afternoon",
    "evening", "night", "anytime", "instead", "sometime", "next", "coming", "customer", "need",
    "want", "like", "possible", "thank", "just",
])  # fmt: skip
_WORD = re.compile(r"[a-z][a-z']{2,}")
_HANDLE_OR_LINK = re.compile(r"(?<![\w.])@[\w.]+|https?://\S+")
# An expression names a day (not only a clock time) when it holds one of these.
_DAY_WORD = re.compile(
    r"\b(?:mon|tue|wed|thu|fri|sat|sun|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
    r"|\d(?:st|nd|rd|th)\b|\d[/-]\d|\b(?:today|tonight|tomorrow|tmrw|week|weekend|month)\b"
)
_WEEKDAY_ONLY = re.compile(
    r"^(?:on\s+|this\s+|coming\s+)?(mon|tue|wed|thu|fri|sat|sun)[a-z]*$", re.IGNORECASE
)
_VISIT_NOUN = r"(?:visit|appointment|appt|booking|install|installation|repair|upgrade|one|slot)s?"
# Before an expression: it is the visit as booked now ...
_OLD_BEFORE = re.compile(
    r"(?:\bfrom|\binstead\s+of|\brather\s+than|\b(?:booked|scheduled|set|planned|due)\s+(?:for|on)"
    r"|\b(?:is|was|it's|its)\s+(?:for|on)|\b(?:can't|cannot|can\s+not|won't|not)\s+(?:do|make)"
    r"(?:\s+it)?(?:\s+on)?|\b" + _VISIT_NOUN + r"\s+on)\s*$"
)
_OLD_PHRASE = re.compile(r"^on\s")  # "on Friday" after a visit noun
_NOUN_BEFORE = re.compile(r"\b" + _VISIT_NOUN + r"\s*$")
_OWNER_BEFORE = re.compile(r"\b(?:my|the|our|his|her|their)\s*$")
_NOUN_AFTER = re.compile(r"^(?:'s\b|\s+(?!to\b|for\b|instead\b|please\b|or\b|and\b|if\b)[a-z])")
# ... or the day asked for.
_TARGET_BEFORE = re.compile(
    r"(?:\bto|\btill|\buntil|\binto|\bonto|\bfor|\bmake\s+it|\bdo|->|→)\s*$"
)

_SHORT_WEEKDAY_BEFORE = re.compile(r"\b(?:mon|tues?|wed|thur?s?|fri|sat|sun)\.?[\s,]*$")
_ADJACENT = re.compile(r"^[\s,]*(?:the\s+)?$")

OLD = "old"
TARGET = "target"


@dataclass(frozen=True, slots=True)
class Visit:
    """A booked visit as the picker sees it (times in UTC)."""

    id: str
    kind: str
    start: datetime
    end: datetime
    resource_name: str = ""
    notes: str = ""

    def words(self) -> frozenset[str]:
        """The stems a customer could use for this visit: its kind and its description."""
        return _stems(f"{self.kind} {self.notes}")


@dataclass(frozen=True, slots=True)
class VisitRequest:
    """What a message says about the visit to move, and the text left for the day wanted."""

    old: Resolved | None = None
    old_phrase: str = ""
    old_weekday: int | None = None
    words: frozenset[str] = field(default_factory=frozenset)
    target_text: str = ""


@dataclass(frozen=True, slots=True)
class Picked:
    """Exactly one visit fits."""

    visit: Visit


@dataclass(frozen=True, slots=True)
class Ambiguous:
    """Several visits fit: ask the customer which one, never guess."""

    candidates: tuple[Visit, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class NoMatch:
    """Nothing fits what the customer named; `named` reads "install visit on Sat 5 Dec"."""

    named: str
    reason: str


PickResult = Picked | Ambiguous | NoMatch


def read_request(
    text: str, *, created_at: datetime, tz: ZoneInfo, answering: bool = False
) -> VisitRequest:
    """Split the message into the visit it names and the rest (which names the day wanted).

    `answering`: the text answers "which visit?", so any day it names is the visit's.
    """
    cleaned = _HANDLE_OR_LINK.sub(lambda m: " " * len(m.group()), text.replace("’", "'"))
    lowered = cleaned.lower()
    dated = _joined(
        [
            r
            for r in find_datetimes(cleaned, created_at.astimezone(tz))
            if r.day is not None and _DAY_WORD.search(lowered[r.start : r.end])
        ],
        lowered,
    )
    roles = [OLD if answering else _role(lowered, r) for r in dated]
    old = _old_of(dated, roles)
    blanked = lowered
    for r in dated:
        blanked = blanked[: r.start] + " " * (r.end - r.start) + blanked[r.end :]
    if old is None:
        return VisitRequest(words=_stems(blanked), target_text=cleaned)
    # "Fri, Dec 4": the short weekday before the date belongs to it, not to the day asked for.
    lead = _SHORT_WEEKDAY_BEFORE.search(lowered[: old.start])
    old = replace(old, start=lead.start()) if lead else old
    phrase = cleaned[old.start : old.end].strip()
    weekday = _WEEKDAY_ONLY.match(phrase)
    return VisitRequest(
        old=old,
        old_phrase=phrase,
        old_weekday=_weekday_number(weekday.group(1)) if weekday else None,
        words=_stems(blanked),
        target_text=cleaned[: old.start] + " " * (old.end - old.start) + cleaned[old.end :],
    )


def pick_visit(
    request: VisitRequest,
    visits: Sequence[Visit],
    *,
    tz: ZoneInfo,
    target: DayRequest | None,
    kinds: Iterable[str] = (),
) -> PickResult:
    """The visit meant: the day named for it, its kind or words, or the only one coming."""
    candidates = list(visits)
    on_day = ""
    if request.old is not None:
        candidates = _on_named_day(candidates, request, tz)
        on_day = f" on {_describe_day(request.old)}"
    vocabulary = _stems(" ".join(KIND_WORDS) + " " + " ".join(kinds))
    for visit in visits:
        vocabulary |= visit.words()
    named = request.words & vocabulary
    if named:
        scored = [(len(named & v.words()), v) for v in candidates]
        best = max((score for score, _ in scored), default=0)
        candidates = [v for score, v in scored if score == best and best > 0]
    said = " ".join([*sorted(named), "visit"]) + on_day
    if not candidates:
        return NoMatch(said, f"no upcoming {said} on record")
    if len(candidates) > 1 and target is not None:
        # A visit already where the customer asks to go is not the one they want moved.
        elsewhere = [v for v in candidates if not _already_fits(v, target, tz)]
        candidates = elsewhere or candidates
    if len(candidates) == 1:
        return Picked(candidates[0])
    return Ambiguous(tuple(candidates), f"{len(candidates)} upcoming visits fit: {said}")


def render_question(visits: Sequence[Visit], tz: ZoneInfo) -> str:
    """The private message asking which visit to move, as numbered options."""
    lines = ["You have more than one visit coming up. Which one would you like to move?"]
    for number, visit in enumerate(visits, start=1):
        start, end = visit.start.astimezone(tz), visit.end.astimezone(tz)
        when = f"{start:%a} {start.day} {start:%b} {start:%H:%M}–{end:%H:%M}"
        who = f" with {visit.resource_name}" if visit.resource_name else ""
        lines.append(f"{number}) {visit.kind.capitalize()}: {when}{who}")
    lines.append('Reply with the number of the visit, or "none" if it is none of these.')
    return "\n".join(lines)


def _joined(dated: list[Resolved], lowered: str) -> list[Resolved]:
    """ "Saturday 12 December" and "Fri, Dec 4" are one day: the dated part (with a digit) wins."""
    out: list[Resolved] = []
    for found in dated:
        previous = out[-1] if out else None
        if previous is not None and _ADJACENT.match(lowered[previous.end : found.start]):
            dated_one = found if re.search(r"\d", lowered[found.start : found.end]) else previous
            out[-1] = replace(dated_one, start=previous.start, end=found.end)
        else:
            out.append(found)
    return out


def _role(lowered: str, found: Resolved) -> str | None:
    before, phrase = lowered[: found.start], lowered[found.start : found.end]
    after = lowered[found.end :]
    if _OLD_BEFORE.search(before):
        return OLD
    if _OLD_PHRASE.match(phrase) and _NOUN_BEFORE.search(before):
        return OLD
    if _OWNER_BEFORE.search(before) and _NOUN_AFTER.match(after):
        return OLD
    if after.startswith("'s"):
        return OLD
    if _TARGET_BEFORE.search(before):
        return TARGET
    return None


def _old_of(dated: Sequence[Resolved], roles: Sequence[str | None]) -> Resolved | None:
    """The expression naming the visit as booked; unmarked ones fill the role left open."""
    if OLD in roles:
        return dated[roles.index(OLD)]
    unmarked = [r for r, role in zip(dated, roles, strict=True) if role is None]
    if not unmarked:
        return None
    if TARGET in roles or len(unmarked) > 1:
        # "I can't do Tuesday, can we do Thursday": the first day is the one booked now.
        return unmarked[0]
    return None


def _on_named_day(visits: list[Visit], request: VisitRequest, tz: ZoneInfo) -> list[Visit]:
    old = request.old
    assert old is not None
    assert old.day is not None
    last = old.until or old.day
    exact = [v for v in visits if old.day <= v.start.astimezone(tz).date() <= last]
    if exact or request.old_weekday is None:
        return exact
    # "my Tuesday visit" when the visit is on a later Tuesday than the coming one.
    return [v for v in visits if v.start.astimezone(tz).weekday() == request.old_weekday]


def _already_fits(visit: Visit, target: DayRequest, tz: ZoneInfo) -> bool:
    start, end = visit.start.astimezone(tz), visit.end.astimezone(tz)
    if start.date() != target.day:
        return False
    if target.within is None:
        return True
    return target.within[0] <= start.time() and end.time() <= target.within[1]


def _describe_day(found: Resolved) -> str:
    day = found.day
    assert day is not None
    text = f"{day:%a} {day.day} {day:%b}"
    if found.until is not None and found.until != day:
        text += f" – {found.until:%a} {found.until.day} {found.until:%b}"
    return text


def _weekday_number(name: str) -> int:
    return ("mon", "tue", "wed", "thu", "fri", "sat", "sun").index(name.lower()[:3])


def _stems(text: str) -> frozenset[str]:
    words = (w.strip("'") for w in _WORD.findall(text.lower()))
    return frozenset(_stem(w) for w in words if w and w not in STOP_WORDS and w not in _GENERIC)


def _stem(word: str) -> str:
    """ "installation", "installing" and "installs" are one word to a customer."""
    for ending in ("ation", "ing", "ed", "s"):
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word
