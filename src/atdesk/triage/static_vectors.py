"""Word vectors distilled once from a sentence model: its meaning at the cost of a table lookup."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scipy import sparse

from atdesk.triage.tokens import strip_accents, tokens

FloatMatrix = npt.NDArray[np.float32]


@dataclass
class StaticVectors:
    """A vocabulary of words and word pieces, one int8 vector and one weight per entry."""

    words: list[str]
    codes: npt.NDArray[np.int8]
    scales: npt.NDArray[np.float32]
    weights: npt.NDArray[np.float32]
    version: str = ""
    _index: dict[str, int] = field(init=False, repr=False)
    _cache: dict[str, tuple[int, ...]] = field(init=False, repr=False)
    _table: FloatMatrix = field(init=False, repr=False)
    _longest_first: int = field(init=False, repr=False)
    _longest_piece: int = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._index = {w: i for i, w in enumerate(self.words)}
        # The longest entry of each kind bounds the slices the word-piece lookup tries, which
        # keeps it linear in the word's length (it tried every end, cubic on one long word).
        pieces = [len(w) - 2 for w in self.words if w.startswith("##")]
        self._longest_first = max((len(w) for w in self.words), default=0)
        self._longest_piece = max(pieces, default=0)
        self._cache = {}
        table = self.codes.astype(np.float32) * self.scales[:, None]
        self._table = (table * self.weights[:, None]).astype(np.float32)

    @property
    def dim(self) -> int:
        """Width of each vector."""
        return int(self.codes.shape[1])

    @classmethod
    def from_float(
        cls, words: list[str], matrix: FloatMatrix, weights: FloatMatrix, version: str = ""
    ) -> StaticVectors:
        """Quantise float vectors to int8 with one scale per row (4x smaller, same answers)."""
        scales = np.abs(matrix).max(axis=1) / 127.0
        scales[scales == 0] = 1.0
        codes = np.round(matrix / scales[:, None]).astype(np.int8)
        return cls(words, codes, scales.astype(np.float32), weights.astype(np.float32), version)

    def save(self, path: Path) -> None:
        """Write one compressed .npz file."""
        np.savez_compressed(
            path,
            words=np.array(self.words, dtype=object).astype(str),
            codes=self.codes,
            scales=self.scales,
            weights=self.weights,
            version=np.array(self.version),
        )

    @classmethod
    def load(cls, path: Path) -> StaticVectors:
        """Read what save wrote."""
        with np.load(path, allow_pickle=False) as data:
            return cls(
                [str(w) for w in data["words"]],
                data["codes"],
                data["scales"].astype(np.float32),
                data["weights"].astype(np.float32),
                str(data["version"]),
            )

    def word_ids(self, word: str) -> tuple[int, ...]:
        """The entries for a word: itself if known, else its longest-prefix word pieces.

        Greedy longest match, as the sentence model's tokenizer does: at each position the
        longest vocabulary piece that fits (no piece is longer than the longest entry).
        """
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        ids = self._lookup(word)
        if len(self._cache) < 500_000:
            self._cache[word] = ids
        return ids

    def entries_of(self, word: str) -> tuple[int, ...]:
        """word_ids without the cache, for callers that keep their own."""
        return self._lookup(word)

    def _lookup(self, word: str) -> tuple[int, ...]:
        index = self._index
        if word in index:
            return (index[word],)
        folded = strip_accents(word)
        if folded in index:
            return (index[folded],)
        if "'" in folded:
            return tuple(i for part in folded.split("'") for i in self._lookup(part))
        pieces: list[int] = []
        start, size = 0, len(folded)
        while start < size:
            end = min(size, start + (self._longest_piece if start else self._longest_first))
            while end > start:
                piece = folded[start:end] if start == 0 else "##" + folded[start:end]
                if piece in index:
                    pieces.append(index[piece])
                    break
                end -= 1
            if end == start:
                return ()
            start = end
        return tuple(pieces)

    def token_matrix(self, docs: Sequence[Sequence[str]]) -> sparse.csr_matrix:
        """Rows of word-entry counts: the sparse half of every embedding."""
        indptr = [0]
        indices: list[int] = []
        extend, cache, word_ids = indices.extend, self._cache, self.word_ids
        for doc in docs:
            for word in doc:
                ids = cache.get(word)
                extend(ids if ids is not None else word_ids(word))
            indptr.append(len(indices))
        return self.counts(indices, indptr)

    def counts(self, indices: list[int], indptr: list[int]) -> sparse.csr_matrix:
        """Rows of entry counts from per-document entry ids."""
        data = np.ones(len(indices), dtype=np.float32)
        return sparse.csr_matrix(
            (data, np.array(indices, dtype=np.int32), np.array(indptr, dtype=np.int64)),
            shape=(len(indptr) - 1, len(self.words)),
        )

    def embed_tokens(self, docs: Sequence[Sequence[str]], with_max: bool = False) -> FloatMatrix:
        """Weighted mean of entry vectors per document, unit length (zero when nothing known).

        with_max appends the element-wise maximum over the document's vectors, which keeps
        the strongest single word of each dimension that averaging washes out.
        """
        return self.embed_counts(self.token_matrix(docs), with_max)

    def embed_counts(self, counts: sparse.csr_matrix, with_max: bool = False) -> FloatMatrix:
        """embed_tokens for a ready count matrix."""
        summed = _unit_rows(np.asarray(counts @ self._table, dtype=np.float32))
        if not with_max:
            return summed
        return np.hstack([summed, _unit_rows(self._peaks(counts))])

    def _peaks(self, counts: sparse.csr_matrix) -> FloatMatrix:
        """Element-wise maximum over each row's entries, one token position at a time."""
        starts, lengths = counts.indptr[:-1], np.diff(counts.indptr)
        peaks = np.zeros((counts.shape[0], self.dim), dtype=np.float32)
        active = np.flatnonzero(lengths > 0)
        if not active.size:
            return peaks
        peaks[active] = self._table[counts.indices[starts[active]]]
        for position in range(1, int(lengths.max())):
            active = active[lengths[active] > position]
            following = self._table[counts.indices[starts[active] + position]]
            peaks[active] = np.maximum(peaks[active], following)
        return peaks

    def embed(self, texts: Sequence[str]) -> FloatMatrix:
        """Embed raw texts with the shared tokenizer."""
        return self.embed_tokens([tokens(t) for t in texts])


def _unit_rows(matrix: FloatMatrix) -> FloatMatrix:
    """Scale each row to unit length, leaving all-zero rows alone."""
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    matrix /= norms
    return matrix
