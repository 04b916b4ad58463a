"""Survey kinds and states, and the CSAT and NPS arithmetic (pure functions, no database).

Reading a score out of a customer's free text is `surveys.reading.read_answer`.
"""

from __future__ import annotations

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


class QuestionStatus(StrEnum):
    """The follow-up question after a low score: waiting to go out, out, answered, or not."""

    QUEUED = "queued"
    SENT = "sent"
    ANSWERED = "answered"
    SKIPPED = "skipped"


# A score at or below this is unhappy: the follow-up question and the closed loop (ADR 93).
LOW_SCORE = {SurveyKind.CSAT: 2, SurveyKind.NPS: 6}


def is_low(kind: SurveyKind | str, score: int) -> bool:
    """CSAT 1-2 or an NPS detractor (0-6): someone should look at the case again."""
    return score <= LOW_SCORE[SurveyKind(kind)]


@dataclass(frozen=True, slots=True)
class Answer:
    """A score the customer gave, and whatever they wrote with it."""

    score: int
    comment: str


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
