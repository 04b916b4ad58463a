"""Word polarity from a sentiment lexicon, as a few dense features beside the n-grams.

The lexicon is VADER's (MIT licence, Hutto & Gilbert 2014), copied into the model bundle at
training time. A handful of numbers per post lets the sentiment head use a lexicon's prior
knowledge of rare words without VADER's per-post cost.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

_NEGATIONS = frozenset(
    [
        "not",
        "no",
        "never",
        "nothing",
        "nobody",
        "none",
        "nor",
        "neither",
        "without",
        "cannot",
        "can't",
        "won't",
        "don't",
        "doesn't",
        "didn't",
        "isn't",
        "wasn't",
        "aren't",
        "weren't",
        "haven't",
        "hasn't",
        "hadn't",
        "shouldn't",
        "wouldn't",
        "couldn't",
        "ain't",
        "dont",
        "doesnt",
        "didnt",
        "isnt",
        "wasnt",
        "cant",
        "wont",
        "havent",
    ]
)
NEGATIONS = _NEGATIONS
WIDTH = 6


@dataclass
class Lexicon:
    """word -> valence (about -4..4)."""

    valence: dict[str, float] = field(default_factory=dict)
    _notable: frozenset[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._notable = frozenset(self.valence) | _NEGATIONS | {"!", "?"}

    def features(self, docs: Sequence[Sequence[str]]) -> npt.NDArray[np.float32]:
        """Per post: positive sum, negative sum, squashed total, negations, '!' and '?'."""
        valence, notable = self.valence, self._notable
        rows = []
        for doc in docs:
            positive = negative = 0.0
            negations = exclaims = questions = 0
            last_negation = -10
            for i, word in [(i, w) for i, w in enumerate(doc) if w in notable]:
                if word in _NEGATIONS:
                    negations += 1
                    last_negation = i
                elif word == "!":
                    exclaims += 1
                elif word == "?":
                    questions += 1
                else:
                    value = valence[word]
                    if i - last_negation <= 3:
                        value *= -0.74
                    if value > 0:
                        positive += value
                    else:
                        negative += value
            total = positive + negative
            rows.append(
                (
                    positive / 4.0,
                    negative / 4.0,
                    total / math.sqrt(total * total + 15.0),
                    min(negations, 3) / 3.0,
                    min(exclaims, 3) / 3.0,
                    min(questions, 3) / 3.0,
                )
            )
        return np.array(rows, dtype=np.float32).reshape(len(docs), WIDTH)

    def state(self) -> dict[str, Any]:
        """Arrays to save beside a model."""
        words = sorted(self.valence)
        return {
            "lexicon_words": np.array(words, dtype=str),
            "lexicon_values": np.array([self.valence[w] for w in words], dtype=np.float32),
        }

    @classmethod
    def from_state(cls, data: Any) -> Lexicon:
        """Rebuild from what state() produced; an absent lexicon is empty."""
        if "lexicon_words" not in getattr(data, "files", data):
            return cls()
        words = [str(w) for w in data["lexicon_words"]]
        values = [float(v) for v in data["lexicon_values"]]
        return cls(dict(zip(words, values, strict=True)))


def vader_lexicon() -> Lexicon:
    """Read VADER's lexicon from the vaderSentiment package (training time only)."""
    from pathlib import Path

    import vaderSentiment.vaderSentiment as vader

    path = Path(vader.__file__).with_name("vader_lexicon.txt")
    valence: dict[str, float] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) >= 2 and " " not in parts[0]:
            valence[parts[0].lower()] = float(parts[1])
    return Lexicon(valence)


# Function words only, for word overlap in the bot and the visit picker: sklearn's English list
# also drops "bill", "call" and "fire", which are exactly what customers write about.
STOP_WORDS = frozenset(
    [
        "a",
        "about",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "been",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "for",
        "from",
        "had",
        "has",
        "have",
        "hi",
        "hello",
        "hey",
        "how",
        "i",
        "i'm",
        "if",
        "in",
        "into",
        "is",
        "it",
        "it's",
        "its",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "please",
        "so",
        "than",
        "thanks",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "up",
        "us",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
    ]
)
