"""Meaning overlap between a question and an article, with the shipped distilled word vectors.

"my parcel never came" and "where is my order" share no word; their vectors are close.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from atdesk.triage.static_vectors import StaticVectors

FloatMatrix = npt.NDArray[np.float32]
Cosines = npt.NDArray[np.float64]


class MeaningSimilarity:
    """Each article's nearest document and the centre of its phrasings, as unit vectors."""

    def __init__(
        self,
        vectors: StaticVectors,
        documents: Sequence[str],
        starts: Sequence[int],
        phrasings: Sequence[int],
    ) -> None:
        self._vectors = vectors
        self._starts = np.asarray(starts, dtype=np.int64)
        self._documents = vectors.embed(documents) if documents else _empty(vectors.dim)
        self._centres = self._centres_of(np.asarray(phrasings, dtype=np.int64))

    def _centres_of(self, phrasings: npt.NDArray[np.int64]) -> FloatMatrix:
        """Unit mean of each article's first `phrasings` documents (title, sample questions)."""
        running = np.vstack(
            [np.zeros((1, self._vectors.dim)), np.cumsum(self._documents, axis=0, dtype=np.float64)]
        )
        sums = running[self._starts + phrasings] - running[self._starts]
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return np.asarray(sums / norms, dtype=np.float32)

    def scores(self, questions: Sequence[str]) -> tuple[Cosines, Cosines]:
        """Cosine of each question with each article's nearest document and with its centre."""
        if not len(self._starts):
            empty = np.zeros((len(questions), 0))
            return empty, empty
        embedded = self._vectors.embed(questions)
        nearest = np.maximum.reduceat(embedded @ self._documents.T, self._starts, axis=1)
        return nearest.astype(np.float64), (embedded @ self._centres.T).astype(np.float64)


def _empty(dim: int) -> FloatMatrix:
    return np.zeros((0, dim), dtype=np.float32)
