"""An intent classifier trained from labelled examples: the built-in set or a brand's own."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from atdesk.triage.evaluation import score
from atdesk.triage.features import Features, FeatureSet, shipped_static_vectors
from atdesk.triage.linear import LinearHead, Method, fit_head, fit_temperature
from atdesk.triage.ngrams import NgramFeaturizer
from atdesk.triage.static_vectors import StaticVectors
from atdesk.triage.tokens import tokens

FORMAT_VERSION = 1
MODEL_FILE = "intent_model.npz"
META_FILE = "intent_model.json"


class IntentModelError(ValueError):
    """An intent model directory that cannot be used; the message says why."""


class IntentClassifier(Protocol):
    """What triage needs from any intent model, whichever encoder it uses."""

    @property
    def labels(self) -> list[str]:
        """Every label the model can answer."""
        ...

    def probabilities(
        self, texts: Sequence[str], docs: Sequence[Sequence[str]] | None = None
    ) -> npt.NDArray[np.float32]:
        """Label probabilities per text."""
        ...

    def save(self, directory: Path) -> None:
        """Write the model into a directory."""
        ...


def required_vectors(meta: dict[str, Any], directory: Path, remedy: str) -> StaticVectors | None:
    """The shipped word vectors a saved model was trained with, or a clear error naming the
    fix when this installation ships other ones (a model is only valid with its own)."""
    wanted = meta.get("static_vectors")
    if not wanted:
        return None
    vectors = shipped_static_vectors()
    if vectors is None or vectors.version != wanted:
        raise IntentModelError(
            f"{directory} needs word vectors {wanted}, which this installation does not ship; "
            + remedy
        )
    return vectors


def best_labels(probs: npt.NDArray[np.float32], labels: Sequence[str]) -> list[tuple[str, float]]:
    """(label, confidence) of the most probable label per row."""
    best = probs.argmax(axis=1)
    return [(labels[int(i)], float(probs[row, i])) for row, i in enumerate(best)]


def load_intent_model(directory: Path) -> IntentClassifier:
    """Load a model directory with the encoder its metadata names."""
    meta_path = directory / META_FILE
    if meta_path.exists():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("encoder") == "minilm":
            from atdesk.triage.embeddings import EmbeddingIntentModel

            return EmbeddingIntentModel.load(directory)
    return IntentModel.load(directory)


@dataclass
class IntentModel:
    """Features plus one linear head; predicts a label and a confidence for each text."""

    features: FeatureSet
    head: LinearHead
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def labels(self) -> list[str]:
        """Every label the model can answer."""
        return list(self.head.labels)

    def probabilities(
        self, texts: Sequence[str], docs: Sequence[Sequence[str]] | None = None
    ) -> npt.NDArray[np.float32]:
        """Label probabilities; pass docs when the texts are already tokenised."""
        docs = docs if docs is not None else [tokens(t) for t in texts]
        return self.head.probabilities(self.features.transform_tokens(docs))

    def predict(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        """(label, confidence) for each text."""
        return best_labels(self.probabilities(texts), self.labels)

    def save(self, directory: Path) -> None:
        """Write the arrays and a readable JSON description into a directory."""
        directory.mkdir(parents=True, exist_ok=True)
        arrays = {**self.features.ngrams.state(), **self.head.state("intent")}
        np.savez_compressed(directory / MODEL_FILE, **arrays)
        vectors = self.features.vectors
        meta = {
            **self.meta,
            "format": FORMAT_VERSION,
            "labels": self.labels,
            "static_vectors": vectors.version if vectors is not None else None,
            "dense_scale": self.features.dense_scale,
            "max_pooling": self.features.max_pooling,
            "encoder": "ngrams+static",
        }
        (directory / META_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> IntentModel:
        """Read a directory written by save; fails clearly when anything is missing."""
        meta_path, model_path = directory / META_FILE, directory / MODEL_FILE
        if not directory.is_dir():
            raise IntentModelError(f"intent model directory not found: {directory}")
        if not meta_path.exists() or not model_path.exists():
            raise IntentModelError(
                f"{directory} is not an intent model (expected {META_FILE} and {MODEL_FILE}; "
                "create one with `atdesk intents train`)"
            )
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT_VERSION:
            raise IntentModelError(f"{directory}: unsupported model format {meta.get('format')}")
        vectors = required_vectors(meta, directory, "retrain it with `atdesk intents train`")
        with np.load(model_path, allow_pickle=False) as data:
            ngrams = NgramFeaturizer.from_state(data)
            head = LinearHead.from_state(data, "intent")
        features = FeatureSet(
            ngrams,
            vectors,
            float(meta.get("dense_scale", 1.0)),
            max_pooling=bool(meta.get("max_pooling", False)),
        )
        return cls(features, head, meta)


def train_intent_model(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    use_vectors: bool = True,
    method: Method = "svm",
    c: float = 1.0,
    dense_scale: float = 1.0,
    max_pooling: bool = True,
    char_max: int = 0,
    min_df: int = 2,
    calibration_share: float = 0.1,
    seed: int = 0,
) -> IntentModel:
    """Fit features and a linear head; a slice of the data calibrates the confidences."""
    if len(texts) != len(labels):
        raise ValueError("texts and labels differ in length")
    if len(set(labels)) < 2:
        raise ValueError("need at least two different labels to train an intent model")
    docs = [tokens(t) for t in texts]
    vectors = shipped_static_vectors() if use_vectors else None
    ngrams = NgramFeaturizer(char_max=char_max, min_df=min_df).fit(docs)
    feature_set = FeatureSet(ngrams, vectors, dense_scale, max_pooling=max_pooling)
    features = feature_set.transform_tokens(docs)
    temperature = 1.0
    meta: dict[str, Any] = {
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "examples": len(texts),
        "method": method,
        "c": c,
    }
    if calibration_share > 0 and len(texts) >= 200:
        held = np.random.default_rng(seed).random(len(texts)) < calibration_share
        fit_rows, held_rows = np.flatnonzero(~held), np.flatnonzero(held)
        probe = fit_head(
            _rows(features, fit_rows), [labels[int(i)] for i in fit_rows], method=method, c=c
        )
        held_features = _rows(features, held_rows)
        held_labels = [labels[int(i)] for i in held_rows]
        temperature = fit_temperature(probe, held_features, held_labels)
        meta["held_out"] = held_out_scores(probe, held_features, held_labels)
    head = fit_head(features, labels, method=method, c=c)
    head.temperature = temperature
    return IntentModel(feature_set, head, meta)


def held_out_scores(
    head: LinearHead, features: Features, labels: Sequence[str]
) -> dict[str, float | int]:
    """Accuracy and macro-F1 of a model fitted without these examples (reported on training)."""
    predicted = [head.labels[int(i)] for i in head.scores(features).argmax(axis=1)]
    result = score(labels, predicted)
    return {
        "accuracy": round(result.accuracy, 4),
        "macro_f1": round(result.macro_f1, 4),
        "n": result.count,
    }


def _rows(features: Features, rows: npt.NDArray[np.intp]) -> Features:
    return Features(features.sparse[rows], features.dense[rows])
