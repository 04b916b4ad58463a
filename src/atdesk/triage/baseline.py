"""A keyword-rules triager: the honest floor that the trained models must beat."""

from __future__ import annotations

import re
from collections.abc import Sequence

from atdesk.domain.triage import (
    Entities,
    Intent,
    Priority,
    Sentiment,
    TriageInput,
    TriageResult,
)
from atdesk.triage.entities import find_emails

_INTENT_RULES: tuple[tuple[Intent, re.Pattern[str]], ...] = tuple(
    (intent, re.compile(pattern, re.IGNORECASE))
    for intent, pattern in (
        (
            Intent.CALLBACK_REQUEST,
            r"\b(call me|call back|callback|give me a call|phone me|ring me)\b",
        ),
        (
            Intent.BOOKING_CHANGE,
            r"\b(reschedul\w*|rebook\w*|cancel my (appointment|booking|visit|reservation|flight)|change my (appointment|booking|flight|reservation))\b",  # noqa: E501
        ),
        (
            Intent.FIELD_REPORT,
            r"\b(downed|fallen|pothole|power line|line down|streetlight|street light|blocking|flood\w*|gas leak|water main)\b",  # noqa: E501
        ),
        (
            Intent.ACCOUNT_ACCESS,
            r"\b(log ?in|sign ?in|password|locked out|hacked|suspended|verification code|2fa)\b",
        ),
        (
            Intent.BILLING,
            r"\b(charged?|refund\w*|bill\w*|invoice|payment|statement|subscription|overcharg\w*)\b",
        ),
        (
            Intent.ORDER_DELIVERY,
            r"\b(order|package|parcel|deliver\w*|shipping|shipment|tracking|luggage|baggage|bag)\b",
        ),
        (
            Intent.TECHNICAL_ISSUE,
            r"\b(not working|doesn'?t work|won'?t|crash\w*|error|bug|outage|down|slow|broken|update)\b",  # noqa: E501
        ),
        (Intent.QUESTION, r"\?|\b(how (do|can)|is there|can i|do you)\b"),
        (
            Intent.COMPLAINT,
            r"\b(worst|terrible|awful|ridiculous|disappoint\w*|unacceptable|on hold|still waiting)\b",  # noqa: E501
        ),
        (Intent.PRAISE, r"\b(thank\w*|thx|great|awesome|love|amazing|appreciate\w*)\b"),
    )
)

_NEGATIVE = re.compile(
    r"\b(not|never|worst|terrible|awful|hate|angry|ridiculous|broken|still|useless|fail\w*|"
    r"disappoint\w*|unacceptable|problem|issue|wrong|lost|late|no one|nobody)\b",
    re.IGNORECASE,
)
_POSITIVE = re.compile(
    r"\b(thank\w*|thx|great|awesome|love|amazing|appreciate\w*|perfect|excellent|happy|fixed)\b",
    re.IGNORECASE,
)
_PHONE = re.compile(r"(?<!\w)(?:\+?\d[\d\s().-]{7,}\d)(?!\w)")
_LINK = re.compile(r"https?://\S+")  # status ids in links are not phone numbers
_ACCOUNT = re.compile(
    r"\b(?:order|account|acct|booking|confirmation|ref|case)\s*(?:#|no\.?|number)?\s*:?\s*([A-Z0-9-]{5,})\b",
    re.IGNORECASE,
)
_URGENT = re.compile(
    r"\b(fire|gas leak|injur\w*|danger\w*|emergency|fraud|stolen|lawsuit|lawyer|outage)\b",
    re.IGNORECASE,
)


class RulesTriager:
    """Keyword rules for every SPEC field; fast, explainable, and knowingly approximate."""

    def triage(self, item: TriageInput) -> TriageResult:
        """Label one post with keyword rules."""
        text = item.text
        intent, confidence = Intent.OTHER, 0.3
        for candidate, pattern in _INTENT_RULES:
            if pattern.search(text):
                intent, confidence = candidate, 0.6
                break
        neg, pos = len(_NEGATIVE.findall(text)), len(_POSITIVE.findall(text))
        sentiment = (
            Sentiment.NEGATIVE
            if neg > pos
            else Sentiment.POSITIVE
            if pos > neg
            else Sentiment.NEUTRAL
        )
        entities = Entities(
            phones=[m.group(0).strip() for m in _PHONE.finditer(_LINK.sub(" ", text))],
            emails=find_emails(text),  # the shipped finder: @user@instance is a handle
            account_numbers=[m.group(1) for m in _ACCOUNT.finditer(text)],
            coordinates=[item.coordinates] if item.coordinates else [],
        )
        pii = bool(entities.phones or entities.emails or entities.account_numbers)
        reasons: list[str] = []
        priority = Priority.NORMAL
        if _URGENT.search(text):
            priority, reasons = Priority.URGENT, ["urgency words"]
        elif item.aimed_at_executive or item.verified or item.followers >= 10_000:
            priority, reasons = Priority.HIGH, ["reach or executive"]
        elif intent in (Intent.PRAISE, Intent.OTHER):
            priority, reasons = Priority.LOW, [f"intent {intent.value}"]
        return TriageResult(
            intent=intent.value,
            intent_confidence=confidence,
            sentiment=sentiment,
            language="en",
            spam=False,
            abuse=False,
            entities=entities,
            pii=pii,
            priority=priority,
            priority_reasons=reasons,
        )

    def triage_many(self, items: Sequence[TriageInput]) -> list[TriageResult]:
        """Label a batch one by one; rules have nothing to vectorise."""
        return [self.triage(item) for item in items]
