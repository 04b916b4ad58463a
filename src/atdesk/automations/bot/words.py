"""Word overlap between a question and an article's short documents (TF-IDF cosine).

It catches the exact names customers use (a plan, a fee, a product) that word vectors blur.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt
from sklearn.feature_extraction.text import TfidfVectorizer

from atdesk.triage.lexicon import STOP_WORDS

FloatMatrix = npt.NDArray[np.float64]


class WordSimilarity:
    """TF-IDF over words and word pairs of every document; an article scores its best one."""

    def __init__(self, documents: Sequence[str], starts: Sequence[int]) -> None:
        self._starts = np.asarray(starts, dtype=np.int64)
        self._docs = len(documents)
        vectorizer = TfidfVectorizer(
            ngram_range=(1, 2),
            sublinear_tf=True,
            lowercase=True,
            strip_accents="unicode",
            stop_words=sorted(STOP_WORDS),
        )
        try:
            matrix = vectorizer.fit_transform(documents)
        except ValueError:  # no document has a word beyond the stop list
            self._terms: dict[str, int] = {}
            return
        self._terms = {str(term): int(column) for term, column in vectorizer.vocabulary_.items()}
        self._analyse: Callable[[str], list[str]] = vectorizer.build_analyzer()
        self._idf = np.asarray(vectorizer.idf_, dtype=np.float64)
        by_term = matrix.T.tocsr()  # a term's documents are one slice: no per-query matrix
        self._indptr, self._indices, self._data = by_term.indptr, by_term.indices, by_term.data

    def scores(self, questions: Sequence[str]) -> FloatMatrix:
        """Each question's cosine with each article's best document (rows: questions)."""
        out = np.zeros((len(questions), len(self._starts)))
        if not self._terms or not len(self._starts):
            return out
        for row, question in enumerate(questions):
            sims = self._document_cosines(question)
            if sims is not None:
                out[row] = np.maximum.reduceat(sims, self._starts)
        return out

    def _document_cosines(self, question: str) -> FloatMatrix | None:
        """What TfidfVectorizer.transform then a product would give, without its checks."""
        counts = Counter(t for t in self._analyse(question) if t in self._terms)
        if not counts:
            return None
        columns = np.fromiter((self._terms[t] for t in counts), np.int64, len(counts))
        tf = 1.0 + np.log(np.fromiter(counts.values(), np.float64, len(counts)))
        weights = tf * self._idf[columns]
        weights /= np.linalg.norm(weights)
        sims = np.zeros(self._docs)
        for column, weight in zip(columns.tolist(), weights.tolist(), strict=True):
            start, end = self._indptr[column], self._indptr[column + 1]
            sims[self._indices[start:end]] += weight * self._data[start:end]
        return sims
