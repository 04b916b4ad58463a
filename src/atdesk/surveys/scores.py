"""Reading a customer's score from a private message, and the CSAT and NPS arithmetic.

Pure functions, no database: the pipeline calls `read_answer` on every private message that
could answer a survey, so it must be cheap and must refuse anything that only looks like a
score ("2 days late", "4.5", "5:30", "$5").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class SurveyKind(StrEnum):
    """CSAT asks how we did (1-5); NPS asks how likely they are to recommend us (0-10)."""

    CSAT = "csat"
    NPS = "nps"

    @property
    def low(self) -> int:
        """The lowest score the question offers."""
        return 1 if self is SurveyKind.CSAT else 0

    @property
    def high(self) -> int:
        """The highest score the question offers (also the scale a "4/5" must name)."""
        return 5 if self is SurveyKind.CSAT else 10


class SurveyStatus(StrEnum):
    """Where a survey is: waiting to go out, out and waiting, answered, or never sent (why)."""

    QUEUED = "queued"
    SENT = "sent"
    ANSWERED = "answered"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


COMMENT_MAX = 1000
# "@brand@domain 5" on Mastodon, "@brand 5" when a client quotes the handle.
_MENTIONS = re.compile(r"^(?:\s*@[\w.\-]+(?:@[\w.\-]+)?)+")
_KEYCAPS = {f"{d}\ufe0f\u20e3": str(d) for d in range(10)} | {"\U0001f51f": "10"}
_ANSWER = re.compile(
    r"""^\s*(?P<score>\d{1,2})(?!\d)
        (?:\s*(?:/|out\s+of|of)\s*(?P<scale>\d{1,2})(?!\d))?
        (?:\s*(?P<stars>stars?|⭐+))?
        (?P<rest>.*)$""",
    re.IGNORECASE | re.DOTALL | re.VERBOSE,
)
# A number followed by one of these is a quantity, not a score: "2 days", "3 more questions".
_QUANTITY_WORDS = frozenset().union(
    ("minute", "minutes", "min", "mins", "hour", "hours", "hr", "hrs", "am", "pm"),
    ("day", "days", "week", "weeks", "month", "months", "year", "years"),
    ("time", "times", "more", "item", "items", "order", "orders", "package", "packages"),
    ("x", "usd", "eur", "gb", "mb"),
)
_SEPARATORS = " \t\r\n!.,;:-–—)~"


@dataclass(frozen=True, slots=True)
class Answer:
    """A score the customer gave, and whatever they wrote after it."""

    score: int
    comment: str


def _plain(text: str) -> str:
    for keycap, digit in _KEYCAPS.items():
        text = text.replace(keycap, digit)
    return _MENTIONS.sub("", text, count=1)


def read_answer(text: str, kind: SurveyKind) -> Answer | None:
    """The score in a reply such as "5", "5 thanks!", "4/5", "10 - great", else None.

    Out of range, a scale that is not the question's, or a number that is a quantity, a
    decimal, a time or a price: None, and the message is treated as any other.
    """
    match = _ANSWER.match(_plain(text))
    if match is None:
        return None
    score = int(match.group("score"))
    scale = match.group("scale")
    rest = match.group("rest")
    if scale is not None and int(scale) != kind.high:
        return None
    if match.group("stars") and kind is not SurveyKind.CSAT:
        return None
    if rest and rest[0] not in _SEPARATORS:
        return None  # "5%", "5$", "5th"
    if re.match(r"^[.:,]\d", rest):
        return None  # "4.5", "5:30", "1,000"
    words = rest.strip(_SEPARATORS).split(maxsplit=1)
    if words and words[0].lower() in _QUANTITY_WORDS and scale is None:
        return None
    if not kind.low <= score <= kind.high:
        return None
    comment = rest.lstrip(_SEPARATORS).strip()
    return Answer(score, comment[:COMMENT_MAX])


@dataclass(frozen=True, slots=True)
class CsatSummary:
    """CSAT over some answers: the average (1-5) and the share of 4s and 5s."""

    answers: int
    average: float | None
    satisfied: int
    satisfied_pct: float | None


def csat(scores: Iterable[int]) -> CsatSummary:
    """Average score and percent satisfied (4 or 5), the two ways CSAT is usually quoted."""
    values = list(scores)
    if not values:
        return CsatSummary(0, None, 0, None)
    satisfied = sum(1 for s in values if s >= 4)
    return CsatSummary(
        answers=len(values),
        average=round(sum(values) / len(values), 2),
        satisfied=satisfied,
        satisfied_pct=round(100 * satisfied / len(values), 1),
    )


@dataclass(frozen=True, slots=True)
class NpsSummary:
    """NPS over some answers: promoters (9-10), passives (7-8), detractors (0-6) and the score."""

    answers: int
    promoters: int
    passives: int
    detractors: int
    score: float | None


def nps(scores: Iterable[int]) -> NpsSummary:
    """Net Promoter Score = percent promoters minus percent detractors (-100..100)."""
    values = list(scores)
    promoters = sum(1 for s in values if s >= 9)
    detractors = sum(1 for s in values if s <= 6)
    passives = len(values) - promoters - detractors
    score = round(100 * (promoters - detractors) / len(values), 1) if values else None
    return NpsSummary(len(values), promoters, passives, detractors, score)


def response_rate(sent: int, answered: int) -> float | None:
    """Percent of surveys sent that got an answer."""
    return round(100 * answered / sent, 1) if sent else None
