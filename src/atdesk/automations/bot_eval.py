"""How often the bot would answer, answer right, or hand over, measured on public data.

A knowledge base is built from the Bitext customer-support set (one article per intent, its
sample questions taken from the training half); the other half asks the questions, and
CLINC150's out-of-scope test queries ask what the knowledge base does not cover. For each
threshold the report gives the share answered with the right article (what the bot resolves
alone), answered with a wrong one (the harm), and handed to a person.

    python -m atdesk.automations.bot_eval [--data-dir ../shared/data] [--questions 5]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from atdesk.automations.knowledge import Article, KnowledgeIndex
from atdesk.config import Settings

THRESHOLDS = (0.35, 0.45, 0.5, 0.55, 0.6)
SEED = 20261123


@dataclass(frozen=True, slots=True)
class Score:
    """Shares of a question set at one threshold."""

    threshold: float
    right: float
    wrong: float
    handed_over: float


def load_bitext(path: Path) -> dict[str, list[str]]:
    """Utterances by intent."""
    by_intent: dict[str, list[str]] = defaultdict(list)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            by_intent[row["intent"]].append(row["utterance"])
    return by_intent


def build(
    by_intent: dict[str, list[str]], questions: int, rng: random.Random
) -> tuple[KnowledgeIndex, list[tuple[str, int]]]:
    """The index (one article per intent) and the held-out (question, article id) pairs."""
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
    return KnowledgeIndex(articles), held_out


def score(index: KnowledgeIndex, pairs: list[tuple[str, int | None]], threshold: float) -> Score:
    """Right, wrong and handed over, as shares of `pairs` (None: no article is right)."""
    right = wrong = handed = 0
    for text, expected in pairs:
        best = index.best(text)
        if best is None or best.score < threshold:
            handed += 1
        elif best.article.id == expected:
            right += 1
        else:
            wrong += 1
    total = max(1, len(pairs))
    return Score(threshold, right / total, wrong / total, handed / total)


def main() -> None:
    """Print the table for docs/benchmarks.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=Settings().data_dir)
    parser.add_argument("--questions", type=int, default=5, help="sample questions per article")
    parser.add_argument("--sample", type=int, default=3000, help="in-scope questions to ask")
    args = parser.parse_args()
    data = Path(args.data_dir)
    rng = random.Random(SEED)
    by_intent = load_bitext(
        data / "bitext_customer_support" / "bitext_customer_service_training_8k.csv"
    )
    started = time.perf_counter()
    index, held_out = build(by_intent, args.questions, rng)
    rng.shuffle(held_out)
    in_scope: list[tuple[str, int | None]] = [(t, a) for t, a in held_out[: args.sample]]
    clinc = json.loads((data / "clinc150" / "data_full.json").read_text(encoding="utf-8"))
    out_of_scope: list[tuple[str, int | None]] = [(t, None) for t, _ in clinc["oos_test"]]
    print(
        f"{len(by_intent)} articles x {args.questions} questions; {len(in_scope)} in-scope "
        f"questions (Bitext), {len(out_of_scope)} out-of-scope (CLINC150 oos_test)"
    )
    print(
        "| threshold | in-scope answered right | answered wrong | handed over | "
        "out-of-scope answered (wrongly) |"
    )
    print("|---|---|---|---|---|")
    for threshold in THRESHOLDS:
        inside = score(index, in_scope, threshold)
        outside = score(index, out_of_scope, threshold)
        print(
            f"| {threshold:.2f} | {inside.right:.1%} | {inside.wrong:.1%} | "
            f"{inside.handed_over:.1%} | {outside.wrong:.1%} |"
        )
    seconds = time.perf_counter() - started
    asked = len(in_scope) + len(out_of_scope)
    print(f"{asked * len(THRESHOLDS)} lookups in {seconds:.1f} s")


if __name__ == "__main__":
    main()
