"""Does a rule's `when` hold for a post? Pure, and it says which condition failed."""

from __future__ import annotations

import re
from dataclasses import dataclass

from atdesk.automations.engine.facts import PostFacts
from atdesk.automations.engine.rules import Conditions
from atdesk.domain.handles import handle_key


@dataclass(frozen=True, slots=True)
class Verdict:
    """Matched, or the first condition that did not hold (for the dry run's explanation)."""

    matched: bool
    failed: str | None = None


_YES = Verdict(True)
# The verdict's `failed` when every condition held but triage was not sure enough of the intent.
CONFIDENCE = "confidence"


def _word(keyword: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in keyword.lower().split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.IGNORECASE)


def evaluate(
    conditions: Conditions, facts: PostFacts, *, min_confidence: float | None = None
) -> Verdict:
    """Check every given condition in a fixed order; the first that fails is reported.

    The intent's confidence is asked last, so failing on it means it alone stopped the rule.
    """
    c = conditions
    checks: list[tuple[str, bool | None]] = [
        ("intent", None if c.intent is None else facts.intent in {i.value for i in c.intent}),
        (
            "sentiment",
            None if c.sentiment is None else facts.sentiment in {s.value for s in c.sentiment},
        ),
        (
            "priority",
            None if c.priority is None else facts.priority in {p.value for p in c.priority},
        ),
        ("language", None if c.language is None else facts.language in c.language),
        ("network", None if c.network is None else facts.network in {n.value for n in c.network}),
        (
            "author",
            None
            if c.author is None
            else handle_key(facts.author_handle) in {handle_key(a) for a in c.author},
        ),
        (
            "min_followers",
            None if c.min_followers is None else facts.followers >= c.min_followers,
        ),
        (
            "max_followers",
            None if c.max_followers is None else facts.followers <= c.max_followers,
        ),
        (
            "keywords",
            None
            if c.keywords is None
            else any(_word(k).search(facts.text) for k in c.keywords if k.strip()),
        ),
        (
            "regex",
            None if c.regex is None else re.search(c.regex, facts.text, re.IGNORECASE) is not None,
        ),
        (
            "mentions",
            None
            if c.mentions is None
            else bool({handle_key(m) for m in c.mentions} & set(facts.mentioned_handles)),
        ),
        ("watched", None if c.watched is None else facts.mentions_watched == c.watched),
        ("business_hours", _hours(c, facts)),
        (
            "customer_linked",
            None if c.customer_linked is None else facts.customer_linked == c.customer_linked,
        ),
        ("direct", None if c.direct is None else facts.direct == c.direct),
        ("has_location", None if c.has_location is None else facts.has_location == c.has_location),
        ("pii", None if c.pii is None else facts.pii == c.pii),
        ("verified", None if c.verified is None else facts.verified == c.verified),
        ("spam", None if c.spam is None else facts.spam == c.spam),
        ("abuse", None if c.abuse is None else facts.abuse == c.abuse),
    ]
    for name, held in checks:
        if held is False:
            return Verdict(False, name)
    if min_confidence is not None and (facts.intent_confidence or 0.0) < min_confidence:
        return Verdict(False, CONFIDENCE)
    return _YES


def _hours(c: Conditions, facts: PostFacts) -> bool | None:
    if c.business_hours is None:
        return None
    inside = True if facts.in_business_hours is None else facts.in_business_hours
    return inside if c.business_hours == "inside" else not inside
