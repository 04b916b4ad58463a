"""Batch tokens and features on ids equal the per-text reference, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from atdesk.triage import token_table
from atdesk.triage.bundle import shipped_bundle
from atdesk.triage.datetimes import DATE_TOKENS
from atdesk.triage.features import Features
from atdesk.triage.intent_model import train_intent_model
from atdesk.triage.token_table import TokenTable
from atdesk.triage.tokens import SEPARATOR, fold, raw_tokens_many, tokens

TEXTS = [
    "@AmazonHelp my order 113-4567890-1234567 never arrived!! not happy at all :(",
    "@bank please call me tomorrow at 3, account locked 😡😡",
    "",
    "@x",
    "https://t.co/abc https://t.co/abc2 www.example.com/x",
    "ΟΔΟΣ Σ ΣΑΣ σας İstanbul ſtation KELVIN",
    "numbers 1 22 333 4444 007 ² x² ¹²³ ١٢٣",
    "not good, never bad, no way!!! isn't great? can't complain",
    "jane.doe+care@example.co.uk wrote __email__ and __phone__ on 12/25",
    "line one\nline two\ttab\r\n@handle_at_end",
    "smart ‘quotes’ and don't won't y'all y'all'd café l'été rock'nü naïve o'neil_x :d :)",
    "fire smoke lawyer outage down service kill street route today 5th",
]


@pytest.fixture(scope="module")
def table() -> TokenTable:
    return TokenTable(shipped_bundle().features, DATE_TOKENS)


def same_features(left: Features, right: Features) -> bool:
    a, b = left.sparse, right.sparse
    return (
        a.shape == b.shape
        and np.array_equal(a.indptr, b.indptr)
        and np.array_equal(a.indices, b.indices)
        and np.array_equal(a.data, b.data)
        and np.array_equal(left.dense, right.dense)
    )


def test_batch_tokens_are_the_tokens_of_each_text() -> None:
    raw = raw_tokens_many(TEXTS)
    assert raw.count(SEPARATOR) == len(TEXTS)
    per_text: list[list[str]] = [[]]
    for token in raw:
        if token == SEPARATOR:
            per_text.append([])
        else:
            per_text[-1].append(fold(token))
    assert per_text[:-1] == [tokens(t) for t in TEXTS]


def test_a_text_holding_the_separator_is_tokenised_alone() -> None:
    texts = ["before", f"a{SEPARATOR}b c", "after"]
    raw = raw_tokens_many(texts)
    assert raw == ["before", SEPARATOR, "a", "b", "c", SEPARATOR, "after", SEPARATOR]


def test_features_equal_the_reference_exactly(table: TokenTable) -> None:
    reference = shipped_bundle().features.transform_tokens([tokens(t) for t in TEXTS])
    batch = table.encode(TEXTS)
    assert table.docs(batch) == [tokens(t) for t in TEXTS]
    assert same_features(table.features(batch), reference)
    # a second pass, with every token already known, gives the same
    assert same_features(table.features(table.encode(TEXTS)), reference)


def test_notable_words_are_the_notable_tokens_of_each_text(table: TokenTable) -> None:
    batch = table.encode(TEXTS)
    expected = [set(tokens(t)) & DATE_TOKENS for t in TEXTS]
    assert [set(words) for words in table.notable_words(batch)] == expected


def test_forgetting_learnt_tokens_changes_no_answer(
    table: TokenTable, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = table.features(table.encode(TEXTS))
    monkeypatch.setattr(token_table, "LIMIT", 0)  # start afresh before every batch
    for _ in range(2):
        assert same_features(table.features(table.encode(TEXTS)), reference)


def test_brand_feature_sets_with_character_ngrams_and_max_pooling() -> None:
    texts = ["file a claim", "make a claim for my car", "pay my premium", "pay the bill now"]
    model = train_intent_model(texts, ["claim", "claim", "pay", "pay"], min_df=1, char_max=4)
    table = TokenTable(model.features)
    reference = model.features.transform_tokens([tokens(t) for t in TEXTS + texts])
    assert same_features(table.features(table.encode(TEXTS + texts)), reference)
