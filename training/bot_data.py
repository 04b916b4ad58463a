"""The public question sets the bot is fitted, tuned and measured on, each split exactly once.

A knowledge base holds one article per intent (title plus N sample questions); the intent's
other utterances ask the questions. Every set is cut into calibration questions (the blend
is fitted on them), validation questions (the default threshold is chosen on them) and test
questions (only ever reported). CLINC150's out-of-scope queries, which no article covers,
are split the way CLINC150 splits them.
"""

from __future__ import annotations

import csv
import json
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from atdesk.automations.bot.knowledge import Article

SEED = 20261123
TEST_QUESTIONS = 3000
# A question and the article that answers it (None: no article does).
Pair = tuple[str, int | None]


@dataclass(frozen=True, slots=True)
class QuestionSet:
    """A knowledge base and its questions, cut three ways."""

    name: str
    articles: list[Article]
    calibration: list[Pair]
    validation: list[Pair]
    test: list[Pair]


def load_intents(path: Path, text: str, label: str) -> dict[str, list[str]]:
    """Utterances by intent, in file order."""
    by_intent: dict[str, list[str]] = defaultdict(list)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            by_intent[row[label]].append(row[text])
    return by_intent


def build(
    by_intent: dict[str, list[str]], questions: int, rng: random.Random
) -> tuple[list[Article], list[tuple[str, int]]]:
    """One article per intent with `questions` sample questions, and the rest as (text, id)."""
    articles: list[Article] = []
    held_out: list[tuple[str, int]] = []
    for number, (intent, utterances) in enumerate(sorted(by_intent.items()), start=1):
        shuffled = utterances[:]
        rng.shuffle(shuffled)
        title = intent.replace("_", " ")
        articles.append(
            Article(
                number, title, f"How to {title}: see our help pages.", tuple(shuffled[:questions])
            )
        )
        held_out.extend((text, number) for text in shuffled[questions:])
    return articles, held_out


def _halves(pairs: Sequence[tuple[str, int]]) -> tuple[list[Pair], list[Pair]]:
    middle = len(pairs) // 2
    return list(pairs[:middle]), list(pairs[middle:])


def bitext(data: Path, questions: int) -> QuestionSet:
    """Bitext customer support: 3,000 test questions (as in every earlier report), the rest
    halved into calibration and validation."""
    rng = random.Random(SEED)
    path = data / "bitext_customer_support" / "bitext_customer_service_training_8k.csv"
    articles, held_out = build(load_intents(path, "utterance", "intent"), questions, rng)
    rng.shuffle(held_out)
    calibration, validation = _halves(held_out[TEST_QUESTIONS:])
    return QuestionSet("Bitext", articles, calibration, validation, list(held_out[:TEST_QUESTIONS]))


def banking77(data: Path, questions: int) -> QuestionSet:
    """BANKING77: articles and calibration/validation from its training split, test from its
    test split (sentences the word vectors were never distilled on)."""
    rng = random.Random(SEED)
    articles, held_out = build(
        load_intents(data / "banking77" / "train.csv", "text", "category"), questions, rng
    )
    rng.shuffle(held_out)
    calibration, validation = _halves(held_out)
    by_title = {a.title: a.id for a in articles}
    tests = load_intents(data / "banking77" / "test.csv", "text", "category")
    test: list[Pair] = [
        (text, by_title[intent.replace("_", " ")])
        for intent, texts in sorted(tests.items())
        for text in texts
    ]
    return QuestionSet("BANKING77", articles, calibration, validation, test)


def out_of_scope(data: Path) -> dict[str, list[Pair]]:
    """CLINC150's out-of-scope queries by use: calibration (its train), validation, test."""
    clinc = json.loads((data / "clinc150" / "data_full.json").read_text(encoding="utf-8"))
    return {
        use: [(text, None) for text, _ in clinc[split]]
        for use, split in (
            ("calibration", "oos_train"),
            ("validation", "oos_val"),
            ("test", "oos_test"),
        )
    }


def partial_bases(
    articles: Sequence[Article], shares: Sequence[float], draws: int, seed: int
) -> list[list[Article]]:
    """Random subsets of the articles: the questions of the missing ones must be handed over."""
    rng = random.Random(seed)
    bases: list[list[Article]] = []
    for share in shares:
        size = max(2, round(share * len(articles)))
        for _ in range(draws):
            chosen = sorted(rng.sample(range(len(articles)), size))
            bases.append([articles[i] for i in chosen])
    return bases
