"""The shipped triager: every field, SPEC precedence, brand models, and parallel batches."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from atdesk.domain.triage import INTENT_PRECEDENCE, Priority, Sentiment, TriageInput
from atdesk.triage.bundle import shipped_bundle
from atdesk.triage.intent_model import train_intent_model
from atdesk.triage.model_triager import ModelTriager, apply_precedence
from atdesk.triage.parallel import triage_chunks
from atdesk.triage.service import get_triager

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
LABELS = [i.value for i in INTENT_PRECEDENCE]


def probabilities(**values: float) -> np.ndarray:
    row = np.full(len(LABELS), 0.01, dtype=np.float32)
    for label, value in values.items():
        row[LABELS.index(label)] = value
    return row[None, :]


def test_precedence_prefers_the_earlier_plausible_intent() -> None:
    probs = probabilities(complaint=0.5, order_delivery=0.35)
    assert apply_precedence(probs, LABELS)[0][0] == "order_delivery"


def test_precedence_ignores_implausible_intents() -> None:
    probs = probabilities(complaint=0.8, callback_request=0.1)
    assert apply_precedence(probs, LABELS)[0][0] == "complaint"


def test_shipped_models_are_versioned_and_small() -> None:
    bundle = shipped_bundle()
    assert bundle.version.startswith("triage-")
    assert set(bundle.heads["intent"].labels) == set(LABELS)
    artifacts = Path(__file__).resolve().parents[2] / "src" / "atdesk" / "triage" / "artifacts"
    assert sum(f.stat().st_size for f in artifacts.iterdir()) < 50_000_000


def test_every_field_for_typical_posts() -> None:
    triager = ModelTriager()
    posts = [
        TriageInput(text="@bank please call me about my statement", created_at=NOW),
        TriageInput(text="@shop my package says delivered but it isn't here", created_at=NOW),
        TriageInput(text="@support thank you so much, all fixed!", created_at=NOW),
        TriageInput(text="@city downed tree blocking Main St, power line sparking", created_at=NOW),
        TriageInput(text="@banco no puedo entrar a mi cuenta desde ayer", created_at=NOW),
    ]
    results = triager.triage_many(posts)
    assert [r.intent for r in results[:3]] == ["callback_request", "order_delivery", "praise"]
    assert results[2].sentiment is Sentiment.POSITIVE
    assert results[1].sentiment is Sentiment.NEGATIVE
    assert results[3].priority is Priority.URGENT
    assert "Main St" in results[3].entities.locations
    assert results[4].language == "es"
    assert all(0.0 < r.intent_confidence <= 1.0 for r in results)
    assert triager.triage(posts[0]).to_json() == results[0].to_json()


def test_a_brand_model_replaces_the_built_in_intents(tmp_path: Path) -> None:
    texts = ["file a claim", "make a claim for my car", "pay my premium", "pay the bill now"]
    model = train_intent_model(texts, ["claim", "claim", "pay", "pay"], min_df=1)
    model.save(tmp_path / "brand")
    triager = get_triager(str(tmp_path / "brand"))
    result = triager.triage(TriageInput(text="I need to claim for my car"))
    assert result.intent == "claim"
    assert result.sentiment in set(Sentiment)


def test_parallel_batches_give_the_same_answers_in_order() -> None:
    triager = ModelTriager()
    posts = [
        TriageInput(text=f"@shop order {n} never arrived, call me at {n} pm") for n in range(1, 9)
    ]
    chunks = [posts[:3], posts[3:6], posts[6:]]
    alone = [r.to_json() for chunk in triage_chunks(triager, chunks, 1) for r in chunk]
    forked = [r.to_json() for chunk in triage_chunks(triager, chunks, 2) for r in chunk]
    assert forked == alone
    assert len(alone) == len(posts)


def test_an_explicit_call_request_wins_over_a_booking_change() -> None:
    text = "@cable move my technician visit to this Friday, and call me on 415-555-2671"
    probs = probabilities(booking_change=0.9, callback_request=0.05)
    assert apply_precedence(probs, LABELS, [text])[0][0] == "callback_request"
    assert apply_precedence(probs, LABELS)[0][0] == "booking_change"


def test_cue_words_are_found_whatever_the_case_and_unicode_look_alikes() -> None:
    """The cheap word test before each cue pattern misses none of the pattern's matches."""
    probs = probabilities(complaint=0.9, booking_change=0.01, callback_request=0.01)
    texts = ["PLEASE CALL ME", "pls reſchedule it", "Rİng me", "CALL\u212aBACK", "cancel MY Flight"]
    answers = [intent for intent, _ in apply_precedence(np.repeat(probs, 5, axis=0), LABELS, texts)]
    assert answers == [
        "callback_request",
        "booking_change",
        "callback_request",
        "complaint",
        "booking_change",
    ]


def test_results_cross_processes_unchanged() -> None:
    import pickle

    from atdesk.triage.parallel import pack_result, unpack_result

    posts = [
        TriageInput(text="@cable move my visit to next week, call 415-555-2671", created_at=NOW),
        TriageInput(text="gas leak at 42 Park Road!!", created_at=NOW, coordinates=(1.5, 2.5)),
        TriageInput(text="thanks", followers=250_000, verified=True),
    ]
    results = ModelTriager().triage_many(posts)
    crossed = [pickle.loads(pickle.dumps(pack_result(r))) for r in results]  # noqa: S301
    assert [unpack_result(values) for values in crossed] == results


SAFETY_POSTS = [
    "Thank you so much, amazing people, love you guys! my xbox was just stolen",
    "Thank you so much, amazing people, love you guys! gas smell near the school",
    "Thank you so much, amazing people, love you guys! he threatened my driver",
    "Thank you so much, amazing people, love you guys! my son got an injury on the bus",
    "Thank you so much, amazing people, love you guys! this is fraud",
]


def test_safety_words_are_never_praise_or_positive_alone_or_in_a_batch() -> None:
    triager = ModelTriager()
    glowing = triager.triage(TriageInput(text=SAFETY_POSTS[0].split("!")[0] + "!"))
    assert (glowing.intent, glowing.sentiment) == ("praise", Sentiment.POSITIVE)
    padding = [TriageInput(text=f"where is my order {n}?") for n in range(10)]
    batch = triager.triage_many(padding + [TriageInput(text=t) for t in SAFETY_POSTS])
    for text, result in zip(SAFETY_POSTS, batch[len(padding) :], strict=True):
        alone = triager.triage(TriageInput(text=text))
        for got in (alone, result):
            assert got.intent != "praise", text
            assert got.sentiment is not Sentiment.POSITIVE, text
            assert got.priority.rank >= Priority.HIGH.rank, (text, got.priority_reasons)
            assert 0.0 <= got.intent_confidence <= 1.0


def test_the_new_users_three_posts() -> None:
    triager = ModelTriager()
    stolen = triager.triage(TriageInput(text="my xbox was just stolen"))
    assert stolen.intent != "praise" and stolen.sentiment is not Sentiment.POSITIVE
    assert triager.triage(TriageInput(text="gas smell near the school")).priority is Priority.URGENT
    thanks = triager.triage(TriageInput(text="Thanks… they sorted it"))
    assert thanks.priority is not Priority.URGENT
