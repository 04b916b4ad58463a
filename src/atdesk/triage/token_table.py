"""Every distinct token once, as an integer id with arrays of what the models need about it.

A batch of posts becomes one array of token ids. Features for the whole batch are then a few
numpy gathers instead of Python work per word: each id's n-gram columns and word-vector
entries, its lexicon polarity, the id pairs that make known bigrams, and whether a rule is
interested in it. `features()` gives exactly `FeatureSet.transform_tokens` of the same texts
(same matrices, bit for bit), which stays the reference implementation and what training
uses.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse

from atdesk.triage.features import Features, FeatureSet
from atdesk.triage.lexicon import NEGATIONS
from atdesk.triage.lexicon import WIDTH as LEXICON_WIDTH
from atdesk.triage.ngrams import word_features
from atdesk.triage.tokens import SEPARATOR, fold, raw_tokens_many

IntArray = npt.NDArray[np.int64]
# Tokens kept beyond the models' own vocabulary before the table starts afresh (memory bound
# for long-running workers; only speed depends on it).
LIMIT = 500_000
_PAIR_SHIFT = np.int64(32)
# Lexicon roles, in the order Lexicon.features tests them.
_NONE, _NEGATION, _EXCLAIM, _QUESTION, _VALENCE = range(5)


class _Growing:
    """A numpy array that is appended to in bulk, with room to grow."""

    def __init__(self, dtype: Any) -> None:
        self._data = np.zeros(1024, dtype=dtype)
        self.size = 0

    @property
    def view(self) -> npt.NDArray[Any]:
        """The filled part."""
        return self._data[: self.size]

    def extend(self, values: Sequence[Any] | npt.NDArray[Any]) -> None:
        """Append values at the end."""
        end = self.size + len(values)
        if end > len(self._data):
            grown = np.zeros(max(end, 2 * len(self._data)), dtype=self._data.dtype)
            grown[: self.size] = self._data[: self.size]
            self._data = grown
        self._data[self.size : end] = values
        self.size = end

    def truncate(self, size: int) -> None:
        """Forget everything after the first size values."""
        self.size = size


class _Ragged:
    """A list of integers per id, all in one pool."""

    def __init__(self) -> None:
        self.pool = _Growing(np.int32)
        self.start = _Growing(np.int64)
        self.length = _Growing(np.int64)

    def extend(self, lists: Sequence[Sequence[int]]) -> None:
        """Append one list per new id."""
        lengths = [len(values) for values in lists]
        self.start.extend(np.cumsum([0, *lengths[:-1]], dtype=np.int64) + self.pool.size)
        self.length.extend(lengths)
        self.pool.extend([v for values in lists for v in values])

    def gather(self, ids: IntArray) -> tuple[npt.NDArray[np.int32], IntArray]:
        """The lists of the given ids, concatenated in order, and each one's length."""
        lengths = self.length.view[ids]
        starts = self.start.view[ids]
        total = int(lengths.sum())
        if total == len(ids) and (lengths == 1).all():
            return self.pool.view[starts], lengths
        ends = np.cumsum(lengths)
        offsets = np.repeat(starts - ends + lengths, lengths) + np.arange(total)
        return self.pool.view[offsets], lengths

    def truncate(self, ids: int) -> None:
        """Keep the lists of the first ids only."""
        self.pool.truncate(int(self.start.view[ids]) if ids < self.start.size else self.pool.size)
        self.start.truncate(ids)
        self.length.truncate(ids)


@dataclass(frozen=True, slots=True)
class TokenBatch:
    """A batch of texts as token ids: text i's tokens are ids[starts[i]:starts[i + 1]]."""

    ids: IntArray
    starts: IntArray

    @property
    def size(self) -> int:
        """Number of texts."""
        return len(self.starts) - 1

    def text_of_token(self) -> IntArray:
        """For every token, the row of its text."""
        return np.repeat(np.arange(self.size, dtype=np.int64), np.diff(self.starts))


class TokenTable:
    """Token ids for one FeatureSet, with the words some rules look for marked as notable."""

    def __init__(self, features: FeatureSet, notable: Iterable[str] = ()) -> None:
        self.feature_set = features
        self._notable_words = frozenset(notable)
        lexicon = features.lexicon
        self._valence = lexicon.valence if lexicon is not None else {}
        self.words: list[str] = []
        self._canonical: dict[str, int] = {}
        self._raw: dict[str, int] = {}
        self._grams = _Ragged()
        self._entries = _Ragged()
        self._role = _Growing(np.int8)
        self._polarity = _Growing(np.float64)
        self._notable = _Growing(np.bool_)
        self._add_canonical([SEPARATOR])
        known = [f[2:] for f in features.ngrams.vocabulary if f.startswith("w ")]
        pairs = [f.split(" ")[1:] for f in features.ngrams.vocabulary if f.startswith("b ")]
        self._add_canonical(list(dict.fromkeys([*known, *(w for pair in pairs for w in pair)])))
        keys = [(self._canonical[left] << 32) | self._canonical[right] for left, right in pairs]
        columns = [features.ngrams.vocabulary[f"b {left} {right}"] for left, right in pairs]
        order = np.argsort(np.array(keys, dtype=np.int64), kind="stable")
        self._pair_keys = np.array(keys, dtype=np.int64)[order]
        self._pair_columns = np.array(columns, dtype=np.int32)[order]
        self._raw.update((word, i) for word, i in self._canonical.items() if fold(word) == word)
        self._fixed = (len(self.words), dict(self._canonical), dict(self._raw))

    def _add_canonical(self, words: Sequence[str]) -> None:
        """Give new model-side tokens ids and compute what every model needs about them."""
        ngrams, vectors = self.feature_set.ngrams, self.feature_set.vectors
        vocabulary = ngrams.vocabulary
        low, high = ngrams.char_min, ngrams.char_max
        self._grams.extend(
            [[vocabulary[f] for f in word_features(w, low, high) if f in vocabulary] for w in words]
        )
        self._entries.extend(
            [vectors.entries_of(w) for w in words] if vectors is not None else [()] * len(words)
        )
        roles, polarity = [], []
        for word in words:
            if word in NEGATIONS:
                roles.append(_NEGATION)
            elif word == "!":
                roles.append(_EXCLAIM)
            elif word == "?":
                roles.append(_QUESTION)
            elif word in self._valence:
                roles.append(_VALENCE)
            else:
                roles.append(_NONE)
            polarity.append(self._valence.get(word, 0.0))
        self._role.extend(roles)
        self._polarity.extend(polarity)
        self._notable.extend([w in self._notable_words for w in words])
        for word in words:
            self._canonical[word] = len(self.words)
            self.words.append(word)

    def _learn(self, raw: Iterable[str]) -> None:
        """Ids for tokens not seen before (numbers share the id of their folded form)."""
        fresh = list(dict.fromkeys(fold(t) for t in raw))
        self._add_canonical([w for w in fresh if w not in self._canonical])
        for token in raw:
            self._raw[token] = self._canonical[fold(token)]

    def _forget(self) -> None:
        """Back to the models' own vocabulary, so memory stays bounded."""
        size, canonical, raw = self._fixed
        del self.words[size:]
        self._canonical, self._raw = dict(canonical), dict(raw)
        for ragged in (self._grams, self._entries):
            ragged.truncate(size)
        for array in (self._role, self._polarity, self._notable):
            array.truncate(size)

    def encode(self, texts: Sequence[str]) -> TokenBatch:
        """Tokenise a batch and turn it into ids."""
        if len(self._raw) > LIMIT:
            self._forget()
        raw = raw_tokens_many(texts)
        get = self._raw.get
        ids = np.fromiter(map(get, raw, repeat(-1)), dtype=np.int64, count=len(raw))
        unknown = np.flatnonzero(ids < 0)
        if unknown.size:
            self._learn({raw[i] for i in unknown.tolist()})
            lookup = self._raw
            ids[unknown] = [lookup[raw[i]] for i in unknown.tolist()]
        ends = np.flatnonzero(ids == 0)
        starts = np.zeros(len(texts) + 1, dtype=np.int64)
        starts[1:] = ends - np.arange(len(texts))
        return TokenBatch(ids[ids != 0], starts)

    def docs(self, batch: TokenBatch) -> list[list[str]]:
        """The texts' tokens as `tokens()` gives them."""
        words = self.words
        flat = [words[i] for i in batch.ids.tolist()]
        bounds = batch.starts.tolist()
        return [flat[bounds[i] : bounds[i + 1]] for i in range(batch.size)]

    def notable_words(self, batch: TokenBatch) -> list[frozenset[str] | set[str]]:
        """Per text, its tokens that are among the notable words (often none)."""
        empty: frozenset[str] = frozenset()
        found: list[frozenset[str] | set[str]] = [empty] * batch.size
        hits = np.flatnonzero(self._notable.view[batch.ids])
        if not hits.size:
            return found
        rows = np.searchsorted(batch.starts, hits, side="right") - 1
        words = self.words
        for row, token in zip(rows.tolist(), batch.ids[hits].tolist(), strict=True):
            bucket = found[row]
            if bucket is empty:
                bucket = found[row] = set()
            bucket.add(words[token])
        return found

    def features(self, batch: TokenBatch) -> Features:
        """FeatureSet.transform_tokens of the batch's texts, computed on ids."""
        feature_set = self.feature_set
        rows = batch.text_of_token()
        matrix = self._ngram_matrix(batch, rows)
        parts = []
        if feature_set.vectors is not None:
            entries, lengths = self._entries.gather(batch.ids)
            per_text = np.bincount(rows, weights=lengths, minlength=batch.size)
            indptr = np.zeros(batch.size + 1, dtype=np.int64)
            np.cumsum(per_text.astype(np.int64), out=indptr[1:])
            counts = sparse.csr_matrix(
                (np.ones(len(entries), dtype=np.float32), entries, indptr),
                shape=(batch.size, len(feature_set.vectors.words)),
            )
            embedded = feature_set.vectors.embed_counts(counts, with_max=feature_set.max_pooling)
            if feature_set.dense_scale != 1.0:
                embedded *= np.float32(feature_set.dense_scale)
            parts.append(embedded)
        if feature_set.lexicon is not None:
            parts.append(self._lexicon_features(batch, rows))
        if not parts:
            return Features(matrix, np.zeros((batch.size, 0), dtype=np.float32))
        dense = parts[0] if len(parts) == 1 else np.hstack(parts)
        return Features(matrix, np.ascontiguousarray(dense, dtype=np.float32))

    def _ngram_matrix(self, batch: TokenBatch, rows: IntArray) -> sparse.csr_matrix:
        ngrams = self.feature_set.ngrams
        columns, lengths = self._grams.gather(batch.ids)
        gram_rows = np.repeat(rows, lengths)
        if ngrams.bigrams and len(batch.ids) > 1 and len(self._pair_keys):
            ids = batch.ids
            keys = (ids[:-1] << _PAIR_SHIFT) | ids[1:]
            at = np.searchsorted(self._pair_keys, keys)
            at[at == len(self._pair_keys)] = 0
            known = (self._pair_keys[at] == keys) & (rows[:-1] == rows[1:])
            gram_rows = np.concatenate([gram_rows, rows[:-1][known]])
            columns = np.concatenate([columns, self._pair_columns[at[known]]])
        order = np.argsort(gram_rows, kind="stable")
        indptr = np.zeros(batch.size + 1, dtype=np.int64)
        np.cumsum(np.bincount(gram_rows, minlength=batch.size), out=indptr[1:])
        return ngrams.matrix(columns[order], indptr)

    def _lexicon_features(self, batch: TokenBatch, rows: IntArray) -> npt.NDArray[np.float32]:
        """Lexicon.features on ids: sums in token order, so the floats are the same."""
        count = batch.size
        role = self._role.view[batch.ids]
        value = self._polarity.view[batch.ids]
        position = np.arange(len(batch.ids), dtype=np.int64)
        negation = role == _NEGATION
        last = np.maximum.accumulate(np.where(negation, position, np.int64(-(1 << 40))))
        if len(last):
            negated = (last >= batch.starts[rows]) & (position - last <= 3)
            value = np.where(negated & (role == _VALENCE), value * -0.74, value)
        valence = role == _VALENCE
        positive = np.bincount(rows, weights=np.where(valence & (value > 0), value, 0.0),
                               minlength=count)  # fmt: skip
        negative = np.bincount(rows, weights=np.where(valence & ~(value > 0), value, 0.0),
                               minlength=count)  # fmt: skip
        total = positive + negative
        out = np.empty((count, LEXICON_WIDTH), dtype=np.float64)
        out[:, 0] = positive / 4.0
        out[:, 1] = negative / 4.0
        out[:, 2] = total / np.sqrt(total * total + 15.0)
        for column, kind in ((3, negation), (4, role == _EXCLAIM), (5, role == _QUESTION)):
            out[:, column] = np.minimum(np.bincount(rows[kind], minlength=count), 3) / 3.0
        return out.astype(np.float32)
