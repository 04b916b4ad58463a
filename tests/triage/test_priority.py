"""The priority rule: each step is visible in the reasons an agent sees."""

from __future__ import annotations

import pytest

from atdesk.domain.triage import Priority, Sentiment
from atdesk.triage.priority import decide_priority, safety_words
from atdesk.triage.tokens import tokens


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
    assert decide("the fire tv keeps buffering", "technical_issue")[0] is Priority.NORMAL


@pytest.mark.parametrize(
    "text",
    [
        # real twcs phrasings that name fire, smoke or danger without any danger
        "@AlaskaAir Fire the flight attendant",
        "I'm thankful you have arcade fire since I'm seeing them in a month",
        "@SpotifyCares Smoke and Mirrors by Demi Lovato?",
        "the entire hallway smelling like weed and my room smelling like smoke",
        "I would hazard a guess & say that all their meat barring the pork is Halal",
        "charging to call the 101 non emergency police number!",
        "my plane ran out of fuel and had to emergency land in Lubbock",
        "this album is fire",
    ],
)
def test_words_that_only_sound_dangerous_stay_normal(text: str) -> None:
    priority, reasons = decide(text, "complaint")
    assert priority is Priority.NORMAL, reasons


@pytest.mark.parametrize(
    "text",
    [
        "my charger caught fire last night",
        "there's a fire in the basement of your store",
        "smoke is pouring out of the meter box",
        "the outlet is sparking",
        "a power line down across Elm St",
        "my son was hurt by the escalator and is bleeding",
        "we are stuck in the lift at Kings Cross",
        "the kitchen is flooding from your pipe",
    ],
)
def test_danger_now_is_urgent(text: str) -> None:
    priority, reasons = decide(text, "complaint")
    assert priority is Priority.URGENT, reasons
    assert "danger now (safety words): urgent" in reasons


def test_risk_words_and_street_hazards_are_high() -> None:
    priority, reasons = decide("this is DANGEROUS, the ice cream was refrozen", "complaint")
    assert (priority, reasons[-1]) == (Priority.HIGH, "risk words: at least high")
    priority, reasons = decide(
        "I want to report a downed tree blocking Main Street", "field_report"
    )
    assert (priority, reasons[-1]) == (Priority.HIGH, "a hazard in the street: at least high")
    assert decide("huge pothole on 5th Ave", "field_report")[0] is Priority.HIGH
    assert decide("tree came down on Oak Road", "field_report")[0] is Priority.HIGH
    assert decide("a van is blocking my driveway again", "field_report")[0] is Priority.HIGH


def test_the_word_gate_gives_the_same_answer() -> None:
    from atdesk.triage.priority import GATE_WORDS
    from atdesk.triage.tokens import tokens

    for text in ["there's smoke coming from the oven", "downed tree blocking Main Street"]:
        words = GATE_WORDS.intersection(tokens(text))
        assert decide(text, "complaint", words=words) == decide(text, "complaint")


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


def test_gas_smell_threats_and_stealing_raise_priority() -> None:
    assert decide("gas smell near the school", "other")[0] is Priority.URGENT
    assert decide("smelling gas in the hallway", "other")[0] is Priority.URGENT
    assert decide("your driver threatened me", "complaint")[0] is Priority.HIGH
    assert decide("the courier stole my parcel", "order_delivery")[0] is Priority.HIGH
    assert decide("my xbox was just stolen", "other")[0] is Priority.URGENT
    assert decide("gas bill went up again", "billing")[0] is Priority.NORMAL
    assert decide("Thanks… they sorted it", "praise")[0] is Priority.LOW


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("my xbox was just stolen", "stolen"),
        ("gas smell near the school", "gas smell"),
        ("he threatened my driver", "threatened"),
        ("someone stole my bike", "stole"),
        ("she was injured on the bus", "injured"),
        ("this is fraud", "fraud"),
        ("smoke is coming from the meter", "smoke is coming"),
        ("my Fire TV stick won't turn on", None),
        ("I'm seeing arcade fire next month", None),
        ("Smoke and Mirrors by Demi Lovato?", None),
        ("gas prices are up and so is my bill", None),
        ("Thanks… they sorted it", None),
    ],
)
def test_safety_words_keep_the_false_positive_guards(text: str, found: str | None) -> None:
    assert safety_words(text) == found
    assert safety_words(text, set(tokens(text))) == found
