"""An intent head retrained from agents' corrections: SPEC §1 labels, stored as arrays only."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from atdesk.triage.features import FeatureSet
from atdesk.triage.intent_model import IntentModelError, required_vectors
from atdesk.triage.lexicon import Lexicon
from atdesk.triage.linear import LinearHead
from atdesk.triage.ngrams import NgramFeaturizer
from atdesk.triage.tokens import tokens

FORMAT = "atdesk-retrained-intent-1"
ARRAYS_FILE = "intent_model.npz"
META_FILE = "intent_model.json"


@dataclass
class RetrainedIntentModel:
    """The shipped intent head's features and head type, refitted with corrections.

    Its labels are SPEC §1's intents, so triage keeps the precedence rule and the safety-word
    guard for it (`spec_precedence`), unlike a brand's own taxonomy (ADR 0082).
    """

    features: FeatureSet
    head: LinearHead
    meta: dict[str, Any] = field(default_factory=dict)
    spec_precedence: bool = True

    @property
    def labels(self) -> list[str]:
        """Every intent the model can answer."""
        return list(self.head.labels)

    @property
    def version(self) -> str:
        """The name recorded on posts it labels, e.g. retrain:acme-20261206T193000."""
        return str(self.meta.get("version", "retrain:unversioned"))

    def probabilities(
        self, texts: Sequence[str], docs: Sequence[Sequence[str]] | None = None
    ) -> npt.NDArray[np.float32]:
        """Intent probabilities; pass docs when the texts are already tokenised."""
        docs = docs if docs is not None else [tokens(t) for t in texts]
        return self.head.probabilities(self.features.transform_tokens(docs))

    def save(self, directory: Path) -> None:
        """Write plain arrays (npz, no pickle) and a readable JSON description."""
        directory.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, Any] = {**self.features.ngrams.state(), **self.head.state("intent")}
        if self.features.lexicon is not None:
            arrays.update(self.features.lexicon.state())
        np.savez_compressed(directory / ARRAYS_FILE, **arrays)
        vectors = self.features.vectors
        meta = {
            **self.meta,
            "format": FORMAT,
            "labels": self.labels,
            "static_vectors": vectors.version if vectors is not None else None,
            "dense_scale": self.features.dense_scale,
            "lexicon": self.features.lexicon is not None,
        }
        text = json.dumps(meta, indent=2, sort_keys=True) + "\n"
        (directory / META_FILE).write_text(text, encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> RetrainedIntentModel:
        """Read what save wrote; a clear error when files or word vectors are missing."""
        meta_path, arrays_path = directory / META_FILE, directory / ARRAYS_FILE
        if not meta_path.exists() or not arrays_path.exists():
            raise IntentModelError(f"{directory} holds no retrained intent model")
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT:
            raise IntentModelError(f"{directory}: not a retrained model ({meta.get('format')})")
        vectors = required_vectors(meta, directory, "run `atdesk triage retrain` again")
        with np.load(arrays_path, allow_pickle=False) as data:
            ngrams = NgramFeaturizer.from_state(data)
            head = LinearHead.from_state(data, "intent")
            lexicon = Lexicon.from_state(data) if meta.get("lexicon") else None
        features = FeatureSet(ngrams, vectors, float(meta.get("dense_scale", 1.0)), lexicon)
        return cls(features, head, meta)


@lru_cache(maxsize=32)
def load_retrained(path: str) -> RetrainedIntentModel:
    """A model directory loaded once per process (its path names one version, never reused)."""
    return RetrainedIntentModel.load(Path(path))
