"""TF-IDF word and character n-grams, computed per distinct word once and then looked up.

Character n-grams are taken inside word boundaries (like scikit-learn's `char_wb`), so the
features of a word never depend on its neighbours and can be cached: after warm-up, a post
costs a few dictionary lookups per word instead of hundreds of string slices.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse

_CACHE_LIMIT = 500_000


def word_features(word: str, char_min: int, char_max: int) -> list[str]:
    """The unigram and the boundary-padded character n-grams of one word."""
    features = ["w " + word]
    if char_max:
        padded = f" {word} "
        size = len(padded)
        for n in range(char_min, min(char_max, size) + 1):
            features.extend("c " + padded[i : i + n] for i in range(size - n + 1))
    return features


@dataclass
class NgramFeaturizer:
    """Vocabulary, idf weights and the per-word cache that make transform cheap."""

    char_min: int = 2
    char_max: int = 5
    bigrams: bool = True
    min_df: int = 2
    vocabulary: dict[str, int] = field(default_factory=dict)
    idf: npt.NDArray[np.float32] = field(default_factory=lambda: np.zeros(0, np.float32))
    _cache: dict[str, list[int]] = field(default_factory=dict, init=False, repr=False)

    @property
    def size(self) -> int:
        """Number of feature columns."""
        return len(self.vocabulary)

    def _doc_features(self, doc: Sequence[str]) -> Iterable[str]:
        for word in doc:
            yield from word_features(word, self.char_min, self.char_max)
        if self.bigrams:
            for left, right in pairwise(doc):
                yield f"b {left} {right}"

    def fit(self, docs: Sequence[Sequence[str]]) -> NgramFeaturizer:
        """Learn the vocabulary (features in at least min_df documents) and smooth idf."""
        df: Counter[str] = Counter()
        for doc in docs:
            df.update(set(self._doc_features(doc)))
        kept = sorted(f for f, c in df.items() if c >= self.min_df)
        self.vocabulary = {f: i for i, f in enumerate(kept)}
        n = len(docs)
        counts = np.array([df[f] for f in kept], dtype=np.float64)
        self.idf = (np.log((1 + n) / (1 + counts)) + 1.0).astype(np.float32)
        self._cache = {}
        return self

    def _word_ids(self, word: str) -> list[int]:
        vocab = self.vocabulary
        ids = [vocab[f] for f in word_features(word, self.char_min, self.char_max) if f in vocab]
        if len(self._cache) < _CACHE_LIMIT:
            self._cache[word] = ids
        return ids

    def transform(self, docs: Sequence[Sequence[str]]) -> sparse.csr_matrix:
        """Rows of l2-normalised tf-idf weights, one per document."""
        cache, vocab, bigrams = self._cache, self.vocabulary, self.bigrams
        word_ids = self._word_ids
        indices: list[int] = []
        indptr = [0]
        extend, append = indices.extend, indices.append
        for doc in docs:
            for word in doc:
                ids = cache.get(word)
                extend(ids if ids is not None else word_ids(word))
            if bigrams and len(doc) > 1:
                for left, right in pairwise(doc):
                    col = vocab.get(f"b {left} {right}")
                    if col is not None:
                        append(col)
            indptr.append(len(indices))
        return self.matrix(indices, indptr)

    def word_ids(self, word: str) -> list[int]:
        """Feature columns of one word (its unigram and character n-grams), cached."""
        ids = self._cache.get(word)
        return ids if ids is not None else self._word_ids(word)

    def bigram_ids(self, doc: Sequence[str]) -> list[int]:
        """Columns of the known word pairs of a document."""
        if not self.bigrams or len(doc) < 2:
            return []
        vocab = self.vocabulary
        found = [vocab.get(f"b {left} {right}") for left, right in pairwise(doc)]
        return [col for col in found if col is not None]

    def matrix(
        self,
        indices: Sequence[int] | npt.NDArray[np.integer[Any]],
        indptr: Sequence[int] | npt.NDArray[np.integer[Any]],
    ) -> sparse.csr_matrix:
        """The l2-normalised tf-idf rows for per-document feature columns (repeats count)."""
        count = len(indptr) - 1
        cols = np.array(indices, dtype=np.int32)
        ptr = np.array(indptr, dtype=np.int64)
        matrix = sparse.csr_matrix(
            (self.idf[cols], cols, ptr), shape=(count, self.size), dtype=np.float32
        )
        matrix.sum_duplicates()
        rows = np.repeat(np.arange(count), np.diff(matrix.indptr))
        norms = np.sqrt(np.bincount(rows, weights=matrix.data**2, minlength=count))
        norms[norms == 0] = 1.0
        matrix.data /= norms[rows].astype(np.float32)
        return matrix

    def state(self) -> dict[str, Any]:
        """Arrays and settings to save beside a model."""
        words = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        return {
            "ngram_features": np.array(words, dtype=str),
            "ngram_idf": self.idf,
            "ngram_settings": np.array([self.char_min, self.char_max, int(self.bigrams)]),
        }

    @classmethod
    def from_state(cls, data: Any) -> NgramFeaturizer:
        """Rebuild from what state() produced (an open .npz or a dict)."""
        char_min, char_max, bigrams = (int(v) for v in data["ngram_settings"])
        featurizer = cls(char_min=char_min, char_max=char_max, bigrams=bool(bigrams))
        featurizer.vocabulary = {str(f): i for i, f in enumerate(data["ngram_features"])}
        featurizer.idf = np.asarray(data["ngram_idf"], dtype=np.float32)
        return featurizer
