"""Bring-your-own intent models: train on a few examples, save, load, predict the same."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from atdesk.triage.intent_model import (
    IntentModel,
    IntentModelError,
    load_intent_model,
    train_intent_model,
)
from atdesk.triage.ngrams import NgramFeaturizer
from atdesk.triage.tokens import tokens

EXAMPLES = {
    "claim": ["I want to file a claim", "how do I make a claim for my car", "start a claim",
              "my car was hit and I need to claim", "report an accident claim"],
    "pay": ["how do I pay my premium", "pay my bill online", "can I pay by card",
            "make a payment on my policy", "I want to pay now"],
    "cancel": ["cancel my policy", "I want to cancel my insurance", "end my policy today",
               "please cancel the renewal", "stop my insurance"],
}  # fmt: skip


def training_data() -> tuple[list[str], list[str]]:
    texts = [t for ts in EXAMPLES.values() for t in ts]
    labels = [label for label, ts in EXAMPLES.items() for _ in ts]
    return texts, labels


def test_a_small_model_learns_its_labels() -> None:
    model = train_intent_model(*training_data(), min_df=1)
    answers = model.predict(["I'd like to cancel my policy", "paying my premium by card"])
    assert [label for label, _ in answers] == ["cancel", "pay"]
    assert all(0.0 < confidence <= 1.0 for _, confidence in answers)


def test_saved_model_answers_the_same(tmp_path: Path) -> None:
    model = train_intent_model(*training_data(), min_df=1)
    model.save(tmp_path / "model")
    loaded = load_intent_model(tmp_path / "model")
    probe = ["how can I claim for a broken window", "cancel it"]
    assert loaded.labels == model.labels
    assert loaded.probabilities(probe) == pytest.approx(model.probabilities(probe), abs=1e-6)
    meta = json.loads((tmp_path / "model" / "intent_model.json").read_text())
    assert meta["labels"] == ["cancel", "claim", "pay"]
    assert meta["static_vectors"]


def test_one_label_is_not_enough() -> None:
    with pytest.raises(ValueError, match="two different labels"):
        train_intent_model(["a", "b"], ["x", "x"])


def test_missing_or_foreign_directories_fail_clearly(tmp_path: Path) -> None:
    with pytest.raises(IntentModelError, match="not found"):
        IntentModel.load(tmp_path / "nowhere")
    with pytest.raises(IntentModelError, match="atdesk intents train"):
        IntentModel.load(tmp_path)


def test_ngram_cache_gives_the_same_rows_as_a_cold_start() -> None:
    docs = [tokens(t) for t in training_data()[0]]
    warm = NgramFeaturizer(min_df=1).fit(docs)
    first = warm.transform(docs).toarray()
    again = warm.transform(docs).toarray()
    cold = NgramFeaturizer.from_state(warm.state()).transform(docs).toarray()
    assert (first == again).all()
    assert (first == cold).all()
    assert first.shape == (len(docs), warm.size)


def test_training_reports_scores_on_examples_it_held_out() -> None:
    texts, labels = training_data()
    texts, labels = texts * 15, labels * 15
    meta = train_intent_model(texts, labels, min_df=1).meta
    held = meta["held_out"]
    assert 0 < held["n"] < len(texts)
    assert held["accuracy"] == 1.0
