"""The shared input of every triage classifier: sparse n-grams beside a dense meaning vector."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scipy import sparse

from atdesk.triage.lexicon import WIDTH as LEXICON_WIDTH
from atdesk.triage.lexicon import Lexicon
from atdesk.triage.ngrams import NgramFeaturizer
from atdesk.triage.static_vectors import StaticVectors
from atdesk.triage.tokens import tokens

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
STATIC_VECTORS_FILE = ARTIFACTS / "static_vectors.npz"


@lru_cache(maxsize=1)
def shipped_static_vectors() -> StaticVectors | None:
    """The distilled word vectors that ship in the package, loaded once (None if absent)."""
    if not STATIC_VECTORS_FILE.exists():
        return None
    return StaticVectors.load(STATIC_VECTORS_FILE)


@dataclass
class Features:
    """A batch of posts as classifiers see them."""

    sparse: sparse.csr_matrix
    dense: npt.NDArray[np.float32]


@dataclass
class FeatureSet:
    """How texts become Features: tokenise once, then n-grams and word vectors."""

    ngrams: NgramFeaturizer
    vectors: StaticVectors | None = None
    dense_scale: float = 1.0
    lexicon: Lexicon | None = None
    max_pooling: bool = False

    @property
    def dense_dim(self) -> int:
        """Width of the dense half: word vectors, then lexicon features."""
        width = self.vectors.dim * (2 if self.max_pooling else 1) if self.vectors else 0
        return width + (LEXICON_WIDTH if self.lexicon is not None else 0)

    def transform_tokens(self, docs: Sequence[Sequence[str]]) -> Features:
        """Features of already tokenised texts."""
        matrix = self.ngrams.transform(docs)
        parts = []
        if self.vectors is not None:
            embedded = self.vectors.embed_tokens(docs, with_max=self.max_pooling)
            if self.dense_scale != 1.0:
                embedded *= np.float32(self.dense_scale)
            parts.append(embedded)
        if self.lexicon is not None:
            parts.append(self.lexicon.features(docs))
        if not parts:
            return Features(matrix, np.zeros((len(docs), 0), dtype=np.float32))
        dense = parts[0] if len(parts) == 1 else np.hstack(parts)
        return Features(matrix, np.ascontiguousarray(dense, dtype=np.float32))

    def transform(self, texts: Sequence[str]) -> Features:
        """Features of raw texts."""
        return self.transform_tokens([tokens(t) for t in texts])
