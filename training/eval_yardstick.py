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


def calibration_error(confidences: list[float], correct: list[bool], bins: int = 10) -> float:
    """Expected calibration error: the confidence-weighted gap between stated and real accuracy."""
    total = 0.0
    for low in range(bins):
        members = [
            i
            for i, c in enumerate(confidences)
            if low / bins < c <= (low + 1) / bins or (low == 0 and c == 0)
        ]
        if members:
            stated = sum(confidences[i] for i in members) / len(members)
            real = sum(correct[i] for i in members) / len(members)
            total += len(members) / len(confidences) * abs(stated - real)
    return total


def report(items: list[Item], results: list[TriageResult]) -> dict[str, float]:
    """Print the figures and return the headline ones."""
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
    figures = {
        "n": float(len(items)),
        "intent_accuracy": intent.accuracy,
        "intent_macro_f1": intent.macro_f1,
        "sentiment_accuracy": sentiment / len(items),
        "pii_recall": tp / pii_gold if pii_gold else float("nan"),
        "pii_precision": tp / pii_said if pii_said else float("nan"),
        "intent_ece": ece,
    }
    print(json.dumps({k: round(v, 4) for k, v in figures.items()}))
    labels = sorted(set(gold) | set(predicted))
    print(f"{'intent':18} {'n':>4} {'precision':>9} {'recall':>7}")
    for label in labels:
        hits = sum(g == p == label for g, p in zip(gold, predicted, strict=True))
        n_gold, n_said = gold.count(label), predicted.count(label)
        precision = hits / n_said if n_said else 0.0
        recall = hits / n_gold if n_gold else 0.0
        print(f"{label:18} {n_gold:4} {precision:9.2f} {recall:7.2f}")
    pairs = Counter(zip(gold, predicted, strict=True))
    print("confusion (rows gold, columns predicted):")
    print(" " * 18 + "".join(f"{label[:6]:>7}" for label in labels))
    for g in labels:
        print(f"{g:18}" + "".join(f"{pairs[g, p]:7}" for p in labels))
    return figures


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
    results = triager.triage_many(
        [TriageInput(text=i.text, created_at=i.created_at) for i in items]
    )
    version = triager.bundle.manifest.get("version")
    print(f"{args.labels.name}, {args.split} half: {len(items)} tweets, model {version}")
    figures = report(items, results)
    if args.split != "validation":
        new = not LOOKS.exists()
        with LOOKS.open("a", newline="") as handle:
            writer = csv.writer(handle)
            if new:
                writer.writerow(["looked_at", "model", *figures])
            writer.writerow(
                [
                    datetime.now(UTC).isoformat(timespec="seconds"),
                    triager.bundle.manifest.get("version"),
                    *(round(v, 4) for v in figures.values()),
                ]
            )


if __name__ == "__main__":
    main()
