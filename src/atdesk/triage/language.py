"""Language identification with py3langid's shipped model, walked for a whole batch at once.

py3langid scores one text at a time with a byte-by-byte Python loop (about 2,000 posts/s on
this machine). Its model is a byte automaton plus naive Bayes tables, so the same answer can be
computed for thousands of posts together: one numpy step per byte position advances every
post's automaton state. Results equal py3langid's `classify` restricted to ISO 639-1 codes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from scipy import sparse

UNDETERMINED = "und"
_NOISE = re.compile(r"@\w+|https?://\S+|www\.\S+|#|__\w+__|&amp;|&lt;|&gt;")
_THREE_LETTERS = re.compile(r"[^\W\d_](?:.*?[^\W\d_]){2}", re.DOTALL)
# Extra log-odds for English: short replies ("Via DM?", "Done, thanks") to English-speaking
# brands were read as Greek or Italian; this halves non-English answers on twcs without
# changing any answer on real non-English posts in the tests. 0 gives py3langid's answers.
ENGLISH_PRIOR = 6.0
_CHUNK = 8192
_SMALL_BATCH = 16
# Languages a care team meets; rarer ones are left out because short English posts were
# misread as them (Latin, Luxembourgish, Xhosa, Lingala...).
CARE_LANGUAGES = [
    "af",
    "ar",
    "bg",
    "bn",
    "ca",
    "cs",
    "cy",
    "da",
    "de",
    "el",
    "en",
    "es",
    "et",
    "eu",
    "fa",
    "fi",
    "fr",
    "ga",
    "gl",
    "he",
    "hi",
    "hr",
    "hu",
    "id",
    "is",
    "it",
    "ja",
    "ko",
    "lt",
    "lv",
    "ml",
    "ms",
    "nl",
    "no",
    "pl",
    "pt",
    "ro",
    "ru",
    "sk",
    "sl",
    "sq",
    "sr",
    "sv",
    "sw",
    "ta",
    "te",
    "th",
    "tl",
    "tr",
    "uk",
    "ur",
    "vi",
    "zh",
]


def clean_for_language(text: str) -> str:
    """Drop handles, links, masks and markup, which are the same in every language."""
    return _NOISE.sub(" ", text).strip()


class BatchLanguageIdentifier:
    """py3langid's naive Bayes model, scored for many texts per numpy call."""

    def __init__(self, languages: Sequence[str] | None = None, english_prior: float = 0.0) -> None:
        from py3langid.langid import MODEL_FILE
        from py3langid.langid import LanguageIdentifier as PyLangid

        model = PyLangid.from_model_file(MODEL_FILE)
        wanted = set(languages) if languages else None
        columns: dict[str, int] = {}
        for i, code in enumerate(model.nb_classes):
            if len(code) == 2 and (wanted is None or code in wanted) and code not in columns:
                columns[code] = i
        self.languages = list(columns)
        keep = list(columns.values())
        self._ptc = np.asarray(model.nb_ptc, dtype=np.float32)[:, keep]
        self._pc = np.asarray(model.nb_pc, dtype=np.float32)[keep]
        if "en" in columns:
            self._pc[self.languages.index("en")] += np.float32(english_prior)
        nextmove = np.frombuffer(model.tk_nextmove, dtype=_dtype(model.tk_nextmove))
        self._nextmove = nextmove.astype(np.int32)
        rows = np.frombuffer(model.tk_row, dtype=_dtype(model.tk_row)).astype(np.int64)
        self._rowbase = rows << 8
        self._output = np.asarray(model.tk_output, dtype=np.int64)
        self._features = self._ptc.shape[0]
        # Row-major for the batch product (scipy would copy it on every call otherwise); the
        # single-post path keeps py3langid's layout, so its sums are py3langid's.
        self._ptc_rows = np.ascontiguousarray(self._ptc)
        self._window: int | None = None
        self._nextmove_list = model.tk_nextmove
        self._rowbase_list = [int(r) for r in self._rowbase]
        self._output_list = model.tk_output

    def identify(self, texts: Sequence[str]) -> list[str]:
        """One ISO 639-1 code per text, or 'und' when it has too few letters to tell."""
        cleaned = [clean_for_language(t) for t in texts]
        answers = [UNDETERMINED] * len(texts)
        encoded = {i: _encode(t) for i, t in enumerate(cleaned) if _THREE_LETTERS.search(t)}
        todo = sorted(encoded, key=lambda i: len(encoded[i]))
        if len(todo) <= _SMALL_BATCH:
            for i in todo:
                answers[i] = self._classify_one(encoded[i])
            return answers
        for start in range(0, len(todo), _CHUNK):
            chunk = todo[start : start + _CHUNK]
            codes = self._classify([encoded[i] for i in chunk])
            for i, code in zip(chunk, codes, strict=True):
                answers[i] = code
        return answers

    def _classify_one(self, data: bytes) -> str:
        """One text, walked byte by byte in Python: cheaper than numpy for a single post."""
        nextmove, rowbase, output = self._nextmove_list, self._rowbase_list, self._output_list
        state = 0
        counts: dict[int, int] = {}
        for byte in data:
            state = nextmove[rowbase[state] + byte]
            feature = output[state]
            if feature >= 0:
                counts[feature] = counts.get(feature, 0) + 1
        if not counts:
            return UNDETERMINED
        index = np.fromiter(counts, dtype=np.int64, count=len(counts))
        weights = np.log1p(np.fromiter(counts.values(), dtype=np.float32, count=len(counts)))
        scores = weights @ self._ptc[index] + self._pc
        return self.languages[int(scores.argmax())]

    def _classify(self, encoded: list[bytes]) -> list[str]:
        """Scores for many texts at once, every byte position of the batch in one array.

        The automaton is Aho-Corasick's over byte n-grams, so its state after a byte is the
        longest n-gram prefix ending there, at most `_depth` bytes long: reading just the last
        `_depth` bytes from the start state reaches the same state. That is `_depth` numpy
        steps over the whole batch. Texts are joined by a zero byte, which sends every state
        back to the start (checked when the model loads), so windows never mix two texts.
        """
        window = self._window_size()
        if not window:
            return self._classify_by_position(encoded)
        lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
        pad = window - 1
        data = np.frombuffer(b"\0" * pad + b"\0".join(encoded), dtype=np.uint8).astype(np.int64)
        state = np.zeros(len(data) - pad, dtype=np.int32)
        for back in range(pad, -1, -1):
            state = self._nextmove[self._rowbase[state] + data[pad - back : len(data) - back]]
        found = self._output[state]
        hit = np.flatnonzero(found >= 0)
        if not hit.size:
            return [UNDETERMINED] * len(encoded)
        ends = np.cumsum(lengths + 1)
        rows = np.searchsorted(ends, hit, side="right")
        return self._best(rows, found[hit], len(encoded))

    def _window_size(self) -> int:
        """The automaton's longest n-gram prefix in bytes (0: a zero byte does not reset it).

        Found once, by a breadth-first walk from the start state (about 0.3 s).
        """
        if self._window is None:
            self._window = _longest_prefix(self._nextmove, self._rowbase, self._output)
        return self._window

    def _best(
        self, rows: npt.NDArray[np.int64], feats: npt.NDArray[np.int64], count: int
    ) -> list[str]:
        """The best language per row from (row, feature) hits, one hit per occurrence."""
        counts = sparse.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, feats)),
            shape=(count, self._features),
        )
        counts.data = np.log1p(counts.data)
        scores = np.asarray(counts @ self._ptc_rows) + self._pc
        best = scores.argmax(axis=1)
        return [self.languages[int(i)] for i in best]

    def _classify_by_position(self, encoded: list[bytes]) -> list[str]:
        """One numpy step per byte position over texts sorted by length (any automaton)."""
        order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]))
        encoded = [encoded[i] for i in order]
        lengths = np.array([len(b) for b in encoded], dtype=np.int64)
        width = int(lengths.max()) if len(encoded) else 0
        grid = np.zeros((width, len(encoded)), dtype=np.int64)
        for column, data in enumerate(encoded):
            grid[: len(data), column] = np.frombuffer(data, dtype=np.uint8)
        state = np.zeros(len(encoded), dtype=np.int32)
        firsts = np.searchsorted(lengths, np.arange(width), side="right")
        docs: list[npt.NDArray[np.int64]] = []
        feats: list[npt.NDArray[np.int64]] = []
        for position in range(width):
            first = int(firsts[position])
            step = self._nextmove[self._rowbase[state[first:]] + grid[position, first:]]
            state[first:] = step
            found = self._output[step]
            hit = np.flatnonzero(found >= 0)
            if hit.size:
                docs.append(hit + first)
                feats.append(found[hit])
        answers = [UNDETERMINED] * len(encoded)
        if docs:
            answers = self._best(np.concatenate(docs), np.concatenate(feats), len(encoded))
        unsorted = [UNDETERMINED] * len(encoded)
        for rank, i in enumerate(order):
            unsorted[i] = answers[rank]
        return unsorted


def _longest_prefix(
    nextmove: npt.NDArray[np.int32], rowbase: npt.NDArray[np.int64], output: npt.NDArray[np.int64]
) -> int:
    """Depth of the deepest state reachable from the start state, or 0 if byte 0 keeps state.

    In an Aho-Corasick automaton the shortest path to a state spells the prefix it stands
    for, so breadth-first distances are prefix lengths.
    """
    if (nextmove[rowbase] != 0).any() or output[0] >= 0:
        return 0
    table = nextmove.reshape(-1, 256)
    rows = rowbase >> 8
    unseen = np.int8(-1)
    depth = np.full(len(rows), unseen, dtype=np.int8)
    depth[0] = 0
    frontier = np.zeros(1, dtype=np.int64)
    level = 0
    while frontier.size:
        level += 1
        reached = table[np.unique(rows[frontier])].ravel()
        reached = reached[depth[reached] == unseen]
        depth[reached] = level
        frontier = np.flatnonzero(depth == level)
    return level - 1


def _dtype(values: object) -> npt.DTypeLike:
    typecode = getattr(values, "typecode", "I")
    return {"H": np.uint16, "I": np.uint32, "L": np.uint64}[typecode]


def _encode(text: str) -> bytes:
    """What py3langid feeds its automaton: NFC UTF-8, lower-cased when shouting."""
    if text.isupper():
        text = text.lower()
    return unicodedata.normalize("NFC", text).encode("utf8", errors="surrogatepass")


@lru_cache(maxsize=1)
def language_identifier() -> BatchLanguageIdentifier:
    """The identifier, loaded once per process (about half a second)."""
    return BatchLanguageIdentifier(CARE_LANGUAGES, ENGLISH_PRIOR)
