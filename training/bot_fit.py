"""Fit the bot's confidence on calibration questions and choose its default threshold on
validation questions; test questions are never read here.

The blend is fitted where it will be used: Bitext and BANKING77 knowledge bases with 5 and
10 sample questions per article, each complete and with only some of its articles (the
questions of a missing article must then be handed over), and CLINC150's out-of-scope
queries as a quarter of every set. The default threshold is the lowest one at which, on
every validation set, the bot answers no more wrongly than TF-IDF did at 0.55.

    python -m training.bot_fit [--data-dir ../shared/data]
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt
from sklearn.linear_model import LogisticRegression
from training.bot_data import Pair, QuestionSet
from training.bot_scores import Picks

from atdesk.automations.bot.confidence import Calibration
from atdesk.automations.bot.knowledge import Article, KnowledgeIndex, Signals
from atdesk.config import Settings
from training import bot_data

OLD_THRESHOLD = 0.55
GRID = tuple(round(0.5 + 0.05 * step, 2) for step in range(10))
PARTIAL_SHARES = (0.1, 0.25, 0.5)
DRAWS = 3
ROUNDS = 4
OUT_OF_SCOPE_WEIGHT = 0.25


@dataclass(frozen=True, slots=True)
class Asked:
    """One knowledge base's similarities to a set of questions, and the right answers."""

    label: str
    ids: npt.NDArray[np.int64]
    signals: Signals
    expected: npt.NDArray[np.int64]
    weight: npt.NDArray[np.float64]


def ask(label: str, articles: list[Article], pairs: Sequence[Pair], weight: float) -> Asked:
    """Similarities once; every fitting round and threshold reuses them."""
    index = KnowledgeIndex(articles)
    expected = np.array([a or 0 for _, a in pairs], dtype=np.int64)
    rows = np.full(len(pairs), weight / max(1, len(pairs)))
    ids = np.array([a.id for a in articles], dtype=np.int64)
    return Asked(label, ids, index.signals([t for t, _ in pairs]), expected, rows)


def top_rows(asked: Asked, calibration: Calibration) -> npt.NDArray[np.int64]:
    """The column of each question's best article under `calibration` (first of equals)."""
    s = asked.signals
    logits = calibration.logits(s.words, s.nearest, s.centre)
    return np.asarray(np.argmax(logits, axis=1), dtype=np.int64)


def new_picks(asked: Asked, calibration: Calibration) -> Picks:
    """What KnowledgeIndex.best answers, for many questions at once."""
    s = asked.signals
    top = top_rows(asked, calibration)
    rows = np.arange(len(top))
    confidence = calibration.confidence(s.words, s.nearest, s.centre)[rows, top]
    empty = ~s.words.any(axis=1) & ~s.nearest.any(axis=1)
    chosen = np.where(empty, 0, asked.ids[top])
    return Picks(chosen, confidence, asked.expected)


def old_picks(asked: Asked) -> Picks:
    """What the TF-IDF-only retrieval (before ADR 58) answered."""
    top = np.argmax(asked.signals.words, axis=1)
    score = asked.signals.words[np.arange(len(top)), top]
    return Picks(np.where(score > 0, asked.ids[top], 0), score, asked.expected)


def fit(sets: Sequence[Asked]) -> Calibration:
    """Logistic regression on each question's best article, re-ranked for a few rounds."""
    calibration = Calibration(1.0, 1.0, 1.0, 0.0)
    for _ in range(ROUNDS):
        features, labels, weights = [], [], []
        for asked in sets:
            s, top = asked.signals, top_rows(asked, calibration)
            rows = np.arange(len(top))
            features.append(np.c_[s.words[rows, top], s.nearest[rows, top], s.centre[rows, top]])
            labels.append(asked.ids[top] == asked.expected)
            weights.append(asked.weight)
        model = LogisticRegression(C=100.0, max_iter=1000)
        weight = np.concatenate(weights)
        model.fit(np.vstack(features), np.concatenate(labels), sample_weight=weight / weight.mean())
        words, nearest, centre = (float(c) for c in model.coef_[0])
        calibration = Calibration(words, nearest, centre, float(model.intercept_[0]))
    return calibration


def scenarios(
    sets: Sequence[QuestionSet], out_of_scope: Sequence[Pair], use: str
) -> list[tuple[Asked, Asked]]:
    """(in-scope, out-of-scope) for every complete and partial knowledge base."""
    found: list[tuple[Asked, Asked]] = []
    inside = 1.0 - OUT_OF_SCOPE_WEIGHT
    for number, question_set in enumerate(sets):
        pairs = question_set.calibration if use == "calibration" else question_set.validation
        bases = [question_set.articles]
        bases += bot_data.partial_bases(
            question_set.articles, PARTIAL_SHARES, DRAWS, seed=bot_data.SEED + number
        )
        # Half the weight on the complete base, half shared by the partial ones.
        shares = [0.5] + [0.5 / (len(bases) - 1)] * (len(bases) - 1)
        for articles, share in zip(bases, shares, strict=True):
            coverage = len(articles) / len(question_set.articles)
            label = f"{question_set.name}, {coverage:.0%} of articles"
            found.append(
                (
                    ask(label, articles, pairs, share * inside),
                    ask(label, articles, out_of_scope, share * OUT_OF_SCOPE_WEIGHT),
                )
            )
    return found


def choose_threshold(pairs: Sequence[tuple[Asked, Asked]], calibration: Calibration) -> float:
    """The lowest threshold that answers no more wrongly than TF-IDF at 0.55, everywhere."""
    groups: dict[str, list[tuple[Asked, Asked]]] = {}
    for inside, outside in pairs:
        groups.setdefault(inside.label, []).append((inside, outside))
    print("| validation set | TF-IDF at 0.55: right / wrong / out-of-scope answered | ", end="")
    print(" | ".join(f"{t:.2f}" for t in GRID) + " |")
    allowed = set(GRID)
    for label, members in groups.items():
        old_in = _pooled([old_picks(i) for i, _ in members], OLD_THRESHOLD)
        old_out = _pooled([old_picks(o) for _, o in members], OLD_THRESHOLD)
        cells = []
        for threshold in GRID:
            new_in = _pooled([new_picks(i, calibration) for i, _ in members], threshold)
            new_out = _pooled([new_picks(o, calibration) for _, o in members], threshold)
            if new_in[1] > old_in[1] or new_out[1] > old_out[1]:
                allowed.discard(threshold)
            cells.append(f"{new_in[0]:.1%} / {new_in[1]:.1%} / {new_out[1]:.1%}")
        print(
            f"| {label} | {old_in[0]:.1%} / {old_in[1]:.1%} / {old_out[1]:.1%} | "
            + " | ".join(cells)
            + " |"
        )
    if not allowed:
        raise SystemExit("no threshold on the grid is as careful as TF-IDF was: keep 0.95")
    return min(allowed)


def reliability(pairs: Sequence[tuple[Asked, Asked]], calibration: Calibration) -> None:
    """Print how often answers at each confidence were right: the calibration's own check."""
    confidence, right, weight = [], [], []
    for asked in (a for pair in pairs for a in pair):
        picked = new_picks(asked, calibration)
        confidence.append(picked.score)
        right.append((picked.chosen > 0) & (picked.chosen == picked.expected))
        weight.append(asked.weight)
    c, r, w = np.concatenate(confidence), np.concatenate(right), np.concatenate(weight)
    print("| confidence | questions | right (weighted as in the fit) |")
    print("|---|---|---|")
    for low in np.arange(0.0, 1.0, 0.1):
        inside = (c >= low) & (c < low + 0.1 if low < 0.85 else c <= 1.0)
        if inside.any():
            share = float((w * r)[inside].sum() / w[inside].sum())
            print(f"| {low:.1f}-{low + 0.1:.1f} | {int(inside.sum())} | {share:.1%} |")


def _pooled(picks: Sequence[Picks], threshold: float) -> tuple[float, float]:
    """Right and wrong shares over several question sets taken together."""
    scores = [p.at(threshold) for p in picks]
    sizes = [len(p.chosen) for p in picks]
    total = sum(sizes)
    right = sum(s.right * n for s, n in zip(scores, sizes, strict=True)) / total
    wrong = sum(s.wrong * n for s, n in zip(scores, sizes, strict=True)) / total
    return right, wrong


def main() -> None:
    """Print the fitted Calibration and the chosen default threshold."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=Settings().data_dir)
    args = parser.parse_args()
    data = Path(args.data_dir)
    sets = [
        replace(question_set, name=f"{question_set.name} {questions}q")
        for questions in (5, 10)
        for question_set in (bot_data.bitext(data, questions), bot_data.banking77(data, questions))
    ]
    out_of_scope = bot_data.out_of_scope(data)
    fitted = scenarios(sets, out_of_scope["calibration"], "calibration")
    calibration = fit([asked for pair in fitted for asked in pair])
    print(
        f"CALIBRATION = Calibration(words={calibration.words:.3f}, "
        f"nearest={calibration.nearest:.3f}, centre={calibration.centre:.3f}, "
        f"bias={calibration.bias:.3f})"
    )
    validated = scenarios(sets, out_of_scope["validation"], "validation")
    reliability(validated, calibration)
    print(f"DEFAULT_BOT_THRESHOLD = {choose_threshold(validated, calibration)}")


if __name__ == "__main__":
    main()
