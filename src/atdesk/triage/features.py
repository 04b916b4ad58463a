"""The shared input of every triage classifier: sparse n-grams beside a dense meaning vector."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
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
    _entries: dict[str, tuple[list[int], tuple[int, ...]]] = field(
        default_factory=dict, init=False, repr=False
    )

    @property
    def dense_dim(self) -> int:
        """Width of the dense half: word vectors, then lexicon features."""
        width = self.vectors.dim * (2 if self.max_pooling else 1) if self.vectors else 0
        return width + (LEXICON_WIDTH if self.lexicon is not None else 0)

    def _word_entries(self, word: str) -> tuple[list[int], tuple[int, ...]]:
        """A word's n-gram columns and word-vector entries, looked up once per word."""
        assert self.vectors is not None
        entry = (self.ngrams.word_ids(word), self.vectors.word_ids(word))
        if len(self._entries) < 500_000:
            self._entries[word] = entry
        return entry

    def _both_halves(
        self, docs: Sequence[Sequence[str]]
    ) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
        """N-gram rows and word-vector counts in one walk over the words."""
        assert self.vectors is not None
        entries, lookup, bigram_ids = self._entries, self._word_entries, self.ngrams.bigram_ids
        grams: list[int] = []
        grams_ptr = [0]
        words: list[int] = []
        words_ptr = [0]
        for doc in docs:
            for word in doc:
                entry = entries.get(word) or lookup(word)
                grams.extend(entry[0])
                words.extend(entry[1])
            grams.extend(bigram_ids(doc))
            grams_ptr.append(len(grams))
            words_ptr.append(len(words))
        return self.ngrams.matrix(grams, grams_ptr), self.vectors.counts(words, words_ptr)

    def transform_tokens(self, docs: Sequence[Sequence[str]]) -> Features:
        """Features of already tokenised texts."""
        parts = []
        if self.vectors is not None:
            matrix, counts = self._both_halves(docs)
            embedded = self.vectors.embed_counts(counts, with_max=self.max_pooling)
            if self.dense_scale != 1.0:
                embedded *= np.float32(self.dense_scale)
            parts.append(embedded)
        else:
            matrix = self.ngrams.transform(docs)
        if self.lexicon is not None:
            parts.append(self.lexicon.features(docs))
        if not parts:
            return Features(matrix, np.zeros((len(docs), 0), dtype=np.float32))
        dense = parts[0] if len(parts) == 1 else np.hstack(parts)
        return Features(matrix, np.ascontiguousarray(dense, dtype=np.float32))

    def transform(self, texts: Sequence[str]) -> Features:
        """Features of raw texts."""
        return self.transform_tokens([tokens(t) for t in texts])
