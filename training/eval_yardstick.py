"""Score a triager on the independent twcs yardstick (training/dev/twcs_yardstick.csv).

    .venv/bin/python -m training.eval_yardstick                 # the validation half
    .venv/bin/python -m training.eval_yardstick --split test    # once per release

Texts come from ../shared/data/twcs by id (evaluation only). Prints intent accuracy, macro-F1,
per-class precision/recall, the confusion matrix, sentiment accuracy, PII recall/precision and
the expected calibration error of the intent confidence. A look at the test half is appended
to training/dev/test_looks.csv (date, model version, figures), so the looks can be counted.
"""

from __future__ import annotations

import argparse
import csv
import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from training.corpora import data_dir

from atdesk.domain.triage import TriageInput, TriageResult
from atdesk.triage.evaluation import score
from atdesk.triage.model_triager import ModelTriager

DEV = Path(__file__).resolve().parent / "dev"
YARDSTICK = DEV / "twcs_yardstick.csv"
LOOKS = DEV / "test_looks.csv"
TWCS_TIME = "%a %b %d %H:%M:%S %z %Y"


@dataclass(frozen=True, slots=True)
class Item:
    """One yardstick tweet with its gold labels and the brand message it answers, if any."""

    tweet_id: str
    text: str
    created_at: datetime
    previous: str | None
    intent: str
    sentiment: str
    pii: bool


def load(split: str, labels: Path = YARDSTICK) -> list[Item]:
    """The yardstick's rows of one half, joined to their twcs texts."""
    with (data_dir() / "twcs" / "twcs_merged.csv").open(newline="", encoding="utf-8") as handle:
        tweets = {row["tweet_id"]: row for row in csv.DictReader(handle)}
    with labels.open(newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if split == "all" or r["split"] == split]
    items = []
    for row in rows:
        tweet = tweets[row["tweet_id"]]
        parent = tweets.get(tweet["in_response_to_tweet_id"])
        items.append(
            Item(
                tweet_id=row["tweet_id"],
                text=tweet["text"],
                created_at=datetime.strptime(tweet["created_at"], TWCS_TIME).astimezone(UTC),
                previous=parent["text"] if parent is not None else None,
                intent=row["intent"],
                sentiment=row["sentiment"],
                pii=row["pii"] == "true",
            )
        )
    return items


@dataclass(frozen=True, slots=True)
class CalibrationBin:
    """One confidence bin of the reliability diagram, so the ECE can be drawn, not just stated."""

    low: float
    high: float
    count: int
    confidence: float
    accuracy: float


def calibration_bins(
    confidences: list[float], correct: list[bool], bins: int = 10
) -> list[CalibrationBin]:
    """Equal-width confidence bins (0 joins the first) with their mean confidence and accuracy."""
    out = []
    for low in range(bins):
        members = [
            i
            for i, c in enumerate(confidences)
            if low / bins < c <= (low + 1) / bins or (low == 0 and c == 0)
        ]
        stated = sum(confidences[i] for i in members) / len(members) if members else 0.0
        real = sum(correct[i] for i in members) / len(members) if members else 0.0
        out.append(CalibrationBin(low / bins, (low + 1) / bins, len(members), stated, real))
    return out


def calibration_error(confidences: list[float], correct: list[bool], bins: int = 10) -> float:
    """Expected calibration error: the confidence-weighted gap between stated and real accuracy."""
    total = 0.0
    for b in calibration_bins(confidences, correct, bins):
        if b.count:
            total += b.count / len(confidences) * abs(b.confidence - b.accuracy)
    return total


@dataclass(frozen=True, slots=True)
class ClassFigures:
    """Precision, recall and F1 of one intent, with how often it was gold and predicted."""

    label: str
    n: int
    predicted: int
    precision: float
    recall: float
    f1: float


def per_class(gold: list[str], predicted: list[str]) -> list[ClassFigures]:
    """Every label that is gold or predicted, so a class predicted from nowhere shows too."""
    out = []
    for label in sorted(set(gold) | set(predicted)):
        hits = sum(g == p == label for g, p in zip(gold, predicted, strict=True))
        n_gold, n_said = gold.count(label), predicted.count(label)
        precision = hits / n_said if n_said else 0.0
        recall = hits / n_gold if n_gold else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out.append(ClassFigures(label, n_gold, n_said, precision, recall, f1))
    return out


def confusion(gold: list[str], predicted: list[str], labels: list[str]) -> list[list[int]]:
    """Counts with rows gold and columns predicted, in the order of labels."""
    pairs = Counter(zip(gold, predicted, strict=True))
    return [[pairs[g, p] for p in labels] for g in labels]


def figures(items: list[Item], results: list[TriageResult]) -> dict[str, float]:
    """The headline figures, in the column order of test_looks.csv."""
    gold = [i.intent for i in items]
    predicted = [r.intent for r in results]
    intent = score(gold, predicted)
    sentiment = sum(i.sentiment == r.sentiment.value for i, r in zip(items, results, strict=True))
    tp = sum(i.pii and r.pii for i, r in zip(items, results, strict=True))
    pii_gold = sum(i.pii for i in items)
    pii_said = sum(r.pii for r in results)
    ece = calibration_error(
        [r.intent_confidence for r in results],
        [g == p for g, p in zip(gold, predicted, strict=True)],
    )
    return {
        "n": float(len(items)),
        "intent_accuracy": intent.accuracy,
        "intent_macro_f1": intent.macro_f1,
        "sentiment_accuracy": sentiment / len(items),
        "pii_recall": tp / pii_gold if pii_gold else float("nan"),
        "pii_precision": tp / pii_said if pii_said else float("nan"),
        "intent_ece": ece,
    }


def triage_items(triager: ModelTriager, items: list[Item]) -> list[TriageResult]:
    """Triage the yardstick's posts as the pipeline would (text and time, no context)."""
    return triager.triage_many([TriageInput(text=i.text, created_at=i.created_at) for i in items])


def log_test_look(
    model: str, headline: dict[str, float], looked_at: datetime, path: Path = LOOKS
) -> None:
    """Append one look beyond the validation half, so the looks at the test half can be counted."""
    new = not path.exists()
    with path.open("a", newline="") as handle:
        writer = csv.writer(handle)
        if new:
            writer.writerow(["looked_at", "model", *headline])
        writer.writerow(
            [
                looked_at.isoformat(timespec="seconds"),
                model,
                *(round(v, 4) for v in headline.values()),
            ]
        )


def report(items: list[Item], results: list[TriageResult]) -> dict[str, float]:
    """Print the figures and return the headline ones."""
    headline = figures(items, results)
    print(json.dumps({k: round(v, 4) for k, v in headline.items()}))
    gold = [i.intent for i in items]
    predicted = [r.intent for r in results]
    classes = per_class(gold, predicted)
    print(f"{'intent':18} {'n':>4} {'precision':>9} {'recall':>7}")
    for c in classes:
        print(f"{c.label:18} {c.n:4} {c.precision:9.2f} {c.recall:7.2f}")
    labels = [c.label for c in classes]
    print("confusion (rows gold, columns predicted):")
    print(" " * 18 + "".join(f"{label[:6]:>7}" for label in labels))
    for g, row in zip(labels, confusion(gold, predicted, labels), strict=True):
        print(f"{g:18}" + "".join(f"{count:7}" for count in row))
    return headline


def main() -> None:
    """Triage the chosen half with the shipped models and print the yardstick's figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--split", choices=["validation", "test", "all"], default="validation")
    parser.add_argument(
        "--labels", type=Path, default=YARDSTICK, help="twcs_rare_supplement.csv for the supplement"
    )
    args = parser.parse_args()
    items = load(args.split, args.labels)
    triager = ModelTriager()
    results = triage_items(triager, items)
    version = triager.bundle.version
    print(f"{args.labels.name}, {args.split} half: {len(items)} tweets, model {version}")
    headline = report(items, results)
    if args.split != "validation":
        log_test_look(version, headline, datetime.now(UTC))


if __name__ == "__main__":
    main()
