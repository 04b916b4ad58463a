"""Hostile text: triage reads a bounded part of any post, and its work grows linearly with it.

No clocks here: the tests count what the models read and how many vocabulary probes the
word-piece lookup makes (bench/bench_triage_hostile.py has the timings).
"""

from __future__ import annotations

import random
import string
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from atdesk.domain.triage import TriageInput
from atdesk.triage import model_triager as model_triager_module
from atdesk.triage.features import shipped_static_vectors
from atdesk.triage.language import language_identifier
from atdesk.triage.model_triager import SMALL_BATCH, ModelTriager
from atdesk.triage.static_vectors import StaticVectors
from atdesk.triage.token_table import TokenBatch
from atdesk.triage.tokens import (
    MAX_TEXT_CHARS,
    MAX_TOKEN_CHARS,
    SEPARATOR,
    fold,
    raw_tokens_many,
    tokens,
)

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
# A token is a run of at most MAX_TOKEN_CHARS letters, with one apostrophe part as long.
LONGEST_TOKEN = 2 * MAX_TOKEN_CHARS + 1


class ProbeBudgetExceeded(AssertionError):
    """The word-piece lookup tried more vocabulary slices than a linear bound allows."""


class CountingIndex(dict[str, int]):
    """A vocabulary index that counts membership probes and stops past a budget."""

    def __init__(self, index: dict[str, int], budget: int) -> None:
        super().__init__(index)
        self.probes = 0
        self.budget = budget

    def __contains__(self, key: object) -> bool:
        self.probes += 1
        if self.probes > self.budget:
            raise ProbeBudgetExceeded(f"more than {self.budget} vocabulary probes")
        return super().__contains__(key)


def shipped_vectors() -> StaticVectors:
    """The shipped word vectors (the triage models need them)."""
    vectors = shipped_static_vectors()
    assert vectors is not None
    return vectors


def fresh_copy(vectors: StaticVectors) -> StaticVectors:
    """The same vocabulary without the lookup cache, so every probe is counted."""
    return StaticVectors(vectors.words, vectors.codes, vectors.scales, vectors.weights)


def unbroken_word(length: int, seed: int) -> str:
    """Random lower-case letters: the word-piece lookup's worst case (no long piece fits)."""
    rng = random.Random(seed)
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(length))


def probe_bound(vectors: StaticVectors, chars: int) -> int:
    """Linear: at most one probe per entry length at each position, and two per token."""
    longest = max(len(word) for word in vectors.words)
    return chars * (longest + 2)


def count_probes(vectors: StaticVectors, word: str) -> int:
    """Vocabulary probes the lookup makes for one word, failing fast past a linear bound."""
    copy = fresh_copy(vectors)
    counting = CountingIndex(copy._index, probe_bound(vectors, len(word)))
    copy._index = counting
    copy.entries_of(word)
    return counting.probes


@pytest.mark.parametrize("length", [1_000, 2_000, 4_000, 8_000])
def test_word_piece_lookup_is_linear_in_the_word(length: int) -> None:
    vectors = shipped_vectors()
    probes = count_probes(vectors, unbroken_word(length, seed=length))
    assert probes <= probe_bound(vectors, length)


def test_word_piece_lookup_finds_the_same_pieces_as_trying_every_end() -> None:
    vectors = shipped_vectors()
    index = vectors._index

    def every_end(word: str) -> tuple[int, ...]:
        """The lookup as it was: every end from the longest down (cubic, short words only)."""
        pieces: list[int] = []
        start = 0
        while start < len(word):
            for end in range(len(word), start, -1):
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in index:
                    pieces.append(index[piece])
                    break
            else:
                return ()
            start = end
        return tuple(pieces)

    words = [unbroken_word(60, seed=n) for n in range(30)]
    words += ["unbelievablyunsubscribed", "customerservicerepresentatives", "xyzzyplugh"]
    for word in words:
        assert word not in index
        assert vectors.entries_of(word) == every_end(word)


def test_a_long_run_is_read_as_bounded_tokens_on_both_tokeniser_paths() -> None:
    texts = [
        "a" * 250 + "'s fine",
        "é" * 150 + "b" * 120,
        "x" * 99 + "'" + "y" * 130,
        "1" * 305 + " call me",
        "ordinary words, nothing long",
    ]
    batch = raw_tokens_many(texts)
    per_text: list[list[str]] = [[]]
    for token in batch:
        if token == SEPARATOR:
            per_text.append([])
        else:
            per_text[-1].append(fold(token))
    assert per_text[:-1] == [tokens(text) for text in texts]
    assert max(len(token) for token in batch) <= LONGEST_TOKEN
    assert tokens(texts[0])[:3] == ["a" * 100, "a" * 100, "a" * 50 + "'s"]
    assert tokens(texts[3])[:4] == ["0100", "0100", "0100", "05"]


class SpyLanguages:
    """The real language identifier, recording the texts it is given."""

    def __init__(self) -> None:
        self.real = language_identifier()
        self.seen: list[str] = []

    def identify(self, texts: Sequence[str]) -> list[str]:
        """Record, then answer as the real one does."""
        self.seen.extend(texts)
        return self.real.identify(texts)


@pytest.fixture
def spies(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Any]]:
    """What the vectoriser, the entity rules and the language identifier read."""
    seen: dict[str, list[Any]] = {"docs": [], "encoded": [], "entities": []}
    features = model_triager_module.shipped_bundle().features
    real_transform = features.transform_tokens
    real_extract = model_triager_module.extract_entities

    def transform_tokens(docs: Sequence[Sequence[str]]) -> Any:
        seen["docs"].extend(docs)
        return real_transform(docs)

    def extract_entities(text: str, *args: Any) -> Any:
        seen["entities"].append(text)
        return real_extract(text, *args)

    monkeypatch.setattr(features, "transform_tokens", transform_tokens)
    monkeypatch.setattr(model_triager_module, "extract_entities", extract_entities)
    return seen


def spy_triager(seen: dict[str, list[Any]], languages: SpyLanguages) -> ModelTriager:
    """A triager whose batch tokeniser records the texts it encodes."""
    triager = ModelTriager(languages=languages)  # type: ignore[arg-type]  # a spy, same calls
    real_encode = triager.tokens.encode

    def encode(texts: Sequence[str]) -> TokenBatch:
        seen["encoded"].extend(texts)
        return real_encode(texts)

    triager.tokens.encode = encode  # type: ignore[method-assign]
    return triager


def test_an_8000_character_word_makes_a_bounded_number_of_lookups(
    spies: dict[str, list[Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    vectors = shipped_vectors()
    word = unbroken_word(8_000, seed=8_000)
    counting = CountingIndex(vectors._index, probe_bound(vectors, len(word)))
    monkeypatch.setattr(vectors, "_index", counting)
    languages = SpyLanguages()
    result = spy_triager(spies, languages).triage(TriageInput(text=word, created_at=NOW))
    assert result.intent
    assert 0 < counting.probes <= probe_bound(vectors, len(word))
    (doc,) = spies["docs"]
    assert max(len(token) for token in doc) <= MAX_TOKEN_CHARS
    assert "".join(doc) == word


def test_a_1_mb_text_is_read_up_to_the_cap_on_both_paths(spies: dict[str, list[Any]]) -> None:
    sentence = "@shop my parcel 123456 is late, call me on Friday at 3pm please! "
    huge = (sentence * (1_000_000 // len(sentence) + 1))[:1_000_000]
    languages = SpyLanguages()
    triager = spy_triager(spies, languages)

    alone = triager.triage(TriageInput(text=huge, created_at=NOW))
    batch = triager.triage_many([TriageInput(text=huge, created_at=NOW)] * (SMALL_BATCH + 1))

    reads = [*languages.seen, *spies["entities"], *spies["encoded"]]
    assert reads and all(len(text) <= MAX_TEXT_CHARS for text in reads)
    assert all(len(doc) <= MAX_TEXT_CHARS for doc in spies["docs"])
    assert spies["encoded"], "the batch path ran"
    prefix = triager.triage(TriageInput(text=huge[:MAX_TEXT_CHARS], created_at=NOW))
    assert alone == prefix
    assert all(result == prefix for result in batch)
