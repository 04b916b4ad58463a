"""How often the bot would answer, answer right, or hand over, measured on public test data.

Old and new retrieval answer the same test questions in one run: TF-IDF alone (before
ADR 58) and TF-IDF blended with the distilled word vectors. Bitext customer support is the
headline (one article per intent, its sample questions from the training half, 3,000
held-out questions); BANKING77's test split is a second check on sentences the word vectors
were never distilled on; CLINC150's out-of-scope test queries ask what no article covers.
For each threshold the report gives the share answered with the right article (what the
bot resolves alone), answered with a wrong one (the harm), and handed to a person.

    python -m training.bot_eval [--data-dir ../shared/data] [--questions 5 10]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from training.bot_data import Pair, QuestionSet
from training.bot_scores import Picks, picks

from atdesk.automations.bot.knowledge import KnowledgeIndex, Match, clean_question
from atdesk.automations.engine.settings import DEFAULT_BOT_THRESHOLD
from atdesk.config import Settings
from training import bot_data

OLD_DEFAULT = 0.55
OLD_THRESHOLDS = (0.35, 0.45, 0.5, 0.55, 0.6)
NEW_THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9)


def best_by_words(index: KnowledgeIndex) -> Callable[[str], Match | None]:
    """The retrieval before ADR 58: the best document's TF-IDF cosine, nothing else."""

    def lookup(question: str) -> Match | None:
        words = index.words.scores([clean_question(question)])[0]
        if not len(words) or words.max() <= 0:
            return None
        best = int(np.argmax(words))
        return Match(index.articles[best], float(words[best]), float(words[best]))

    return lookup


@dataclass(frozen=True, slots=True)
class Run:
    """One retrieval's picks on the in-scope and out-of-scope test questions, and its time."""

    inside: Picks
    outside: Picks
    lookups: int
    seconds: float


def run(
    lookup: Callable[[str], Match | None], inside: Sequence[Pair], outside: Sequence[Pair]
) -> Run:
    """Ask every test question once, timed."""
    started = time.perf_counter()
    found = Run(picks(inside, lookup), picks(outside, lookup), 0, 0.0)
    seconds = time.perf_counter() - started
    return Run(found.inside, found.outside, len(inside) + len(outside), seconds)


def report(
    sets: Sequence[QuestionSet], outside: Sequence[Pair], sample: int | None
) -> dict[str, float]:
    """Print one table for these question sets (same questions, several sample counts)."""
    runs: dict[str, list[Run]] = {"old": [], "new": []}
    for question_set in sets:
        index = KnowledgeIndex(question_set.articles)
        inside = question_set.test[:sample] if sample else question_set.test
        runs["old"].append(run(best_by_words(index), inside, outside))
        runs["new"].append(run(index.best, inside, outside))
    counts = " / ".join(str(len(s.articles[0].questions)) for s in sets)
    first = sets[0]
    print(
        f"\n{first.name}: {len(first.articles)} articles x {counts} sample questions; "
        f"{len(runs['new'][0].inside.chosen)} in-scope test questions, "
        f"{len(outside)} out-of-scope (CLINC150 oos_test)\n"
    )
    header = " | ".join(
        f"{len(s.articles[0].questions)} per article: right / wrong / handed over" for s in sets
    )
    print(f"| retrieval | threshold | {header} | ", end="")
    print(f"out-of-scope answered (wrongly), {counts} |")
    print("|---|---|" + "---|" * len(sets) + "---|")
    for name, label, thresholds, default in (
        ("old", "TF-IDF (before)", OLD_THRESHOLDS, OLD_DEFAULT),
        ("new", "TF-IDF + word vectors", NEW_THRESHOLDS, DEFAULT_BOT_THRESHOLD),
    ):
        for threshold in thresholds:
            cells = []
            for result in runs[name]:
                score = result.inside.at(threshold)
                cells.append(f"{score.right:.1%} / {score.wrong:.1%} / {score.handed_over:.1%}")
            outsides = " / ".join(f"{r.outside.at(threshold).wrong:.1%}" for r in runs[name])
            mark = " (default)" if threshold == default else ""
            print(f"| {label} | {threshold:.2f}{mark} | " + " | ".join(cells) + f" | {outsides} |")
    return {
        name: sum(r.lookups for r in found) / sum(r.seconds for r in found)
        for name, found in runs.items()
    }


def main() -> None:
    """Print the tables for docs/benchmarks.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=Settings().data_dir)
    parser.add_argument(
        "--questions", type=int, nargs="+", default=[5, 10], help="sample questions per article"
    )
    parser.add_argument("--sample", type=int, default=3000, help="Bitext questions to ask")
    args = parser.parse_args()
    data = Path(args.data_dir)
    outside = bot_data.out_of_scope(data)["test"]
    speeds = report([bot_data.bitext(data, q) for q in args.questions], outside, args.sample)
    report([bot_data.banking77(data, q) for q in args.questions], outside, None)
    print(
        f"\nlookups/s on the Bitext questions: TF-IDF alone {speeds['old']:,.0f}, "
        f"TF-IDF + word vectors {speeds['new']:,.0f}"
    )


if __name__ == "__main__":
    main()
