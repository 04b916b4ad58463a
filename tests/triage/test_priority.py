"""The priority rule: each step is visible in the reasons an agent sees."""

from __future__ import annotations

from atdesk.domain.triage import Priority, Sentiment
from atdesk.triage.priority import decide_priority


def decide(
    text: str = "", intent: str = "question", **overrides: object
) -> tuple[Priority, list[str]]:
    args: dict[str, object] = {
        "text": text,
        "intent": intent,
        "sentiment": Sentiment.NEUTRAL,
        "followers": 0,
        "verified": False,
        "aimed_at_executive": False,
        "spam": False,
    }
    args.update(overrides)
    return decide_priority(**args)  # type: ignore[arg-type]


def test_intent_sets_the_base() -> None:
    assert decide(intent="praise")[0] is Priority.LOW
    assert decide(intent="other")[0] is Priority.LOW
    assert decide(intent="billing")[0] is Priority.NORMAL


def test_safety_and_fraud_are_urgent() -> None:
    assert decide("I can smell gas outside 42 Park Road", "field_report")[0] is Priority.URGENT
    assert decide("someone used my card, this is fraud", "billing")[0] is Priority.URGENT
    assert decide("my account was hacked", "account_access")[0] is Priority.URGENT


def test_amazon_fire_tv_is_not_a_fire() -> None:
    assert decide("my Fire TV stick won't turn on", "technical_issue")[0] is Priority.NORMAL


def test_outage_and_legal_words_are_high() -> None:
    assert decide("is there an outage in my area", "technical_issue")[0] is Priority.HIGH
    assert decide("I will be contacting my lawyer", "complaint")[0] is Priority.HIGH


def test_watched_executive_is_at_least_high() -> None:
    priority, reasons = decide("@ceo fix this", "complaint", aimed_at_executive=True)
    assert priority is Priority.HIGH
    assert any("executive" in r for r in reasons)


def test_reach_raises_negative_posts_one_level() -> None:
    priority, reasons = decide(
        "worst service", "complaint", sentiment=Sentiment.NEGATIVE, followers=25_000
    )
    assert priority is Priority.HIGH
    assert reasons[-1].startswith("25,000 followers and negative")
    assert decide("thanks!", "praise", verified=True)[0] is Priority.NORMAL
    assert decide("hello", "other", followers=250_000)[0] is Priority.HIGH


def test_spam_is_low_whatever_it_says() -> None:
    assert decide("emergency! click here", "other", spam=True) == (Priority.LOW, ["spam"])
