"""What triage says about one inbound post (SPEC.md section 1)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Intent(StrEnum):
    """The built-in intents, declared in precedence order: the first that fits wins."""

    CALLBACK_REQUEST = "callback_request"
    BOOKING_CHANGE = "booking_change"
    FIELD_REPORT = "field_report"
    ACCOUNT_ACCESS = "account_access"
    BILLING = "billing"
    ORDER_DELIVERY = "order_delivery"
    TECHNICAL_ISSUE = "technical_issue"
    QUESTION = "question"
    COMPLAINT = "complaint"
    PRAISE = "praise"
    OTHER = "other"


INTENT_PRECEDENCE: tuple[Intent, ...] = tuple(Intent)


class Sentiment(StrEnum):
    """Three-way polarity, tuned for people writing to companies."""

    NEGATIVE = "negative"
    NEUTRAL = "neutral"
    POSITIVE = "positive"


class Priority(StrEnum):
    """How soon a human should look; ordered from least to most pressing."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"

    @property
    def rank(self) -> int:
        """A sortable number: urgent is 3, low is 0."""
        return list(Priority).index(self)


@dataclass(slots=True)
class Entities:
    """Things found in the text that automations act on; all lists of plain values."""

    datetimes: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    account_numbers: list[str] = field(default_factory=list)
    locations: list[str] = field(default_factory=list)
    coordinates: list[tuple[float, float]] = field(default_factory=list)
    windows: list[list[str]] = field(default_factory=list)
    """Spans such as "next week" as [start, end] ISO 8601 pairs (also in datetimes as start/end)."""

    def to_json(self) -> dict[str, Any]:
        """A JSON object with the SPEC field names; coordinates become [lat, lon] lists."""
        data = asdict(self)
        data["coordinates"] = [list(c) for c in self.coordinates]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Entities:
        """Read back what to_json wrote; missing keys are empty."""
        data = data or {}
        return cls(
            datetimes=list(data.get("datetimes", [])),
            phones=list(data.get("phones", [])),
            emails=list(data.get("emails", [])),
            account_numbers=list(data.get("account_numbers", [])),
            locations=list(data.get("locations", [])),
            coordinates=[(float(c[0]), float(c[1])) for c in data.get("coordinates", [])],
            windows=[[str(w[0]), str(w[1])] for w in data.get("windows", [])],
        )


@dataclass(frozen=True, slots=True)
class TriageInput:
    """Everything triage may look at: the post and a little context, never the database."""

    text: str
    created_at: datetime | None = None
    author_handle: str | None = None
    followers: int = 0
    verified: bool = False
    brand: str | None = None
    coordinates: tuple[float, float] | None = None
    aimed_at_executive: bool = False


@dataclass(slots=True)
class TriageResult:
    """Every field of SPEC.md section 1 for one post."""

    intent: str
    intent_confidence: float
    sentiment: Sentiment
    language: str
    spam: bool
    abuse: bool
    entities: Entities
    pii: bool
    priority: Priority
    priority_reasons: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The SPEC output object (without the id, which the caller adds)."""
        return {
            "intent": self.intent,
            "intent_confidence": round(float(self.intent_confidence), 4),
            "sentiment": self.sentiment.value,
            "language": self.language,
            "spam": self.spam,
            "abuse": self.abuse,
            "entities": self.entities.to_json(),
            "pii": self.pii,
            "priority": self.priority.value,
        }
