"""Merge two independent annotators' labels and the adjudication into the triage yardstick.

Inputs stay outside the repository's data rules: the labels are ours, the texts are twcs's
(evaluation only), so the yardstick keeps ids and labels, never text (docs/triage.md, "Yardstick").
"""

from __future__ import annotations

import argparse
import csv
import hashlib
from collections import Counter, defaultdict
from pathlib import Path

FIELDS = ("intent", "sentiment", "pii")
OUT = Path(__file__).resolve().parent / "dev"


def read(path: Path) -> dict[str, dict[str, str]]:
    """Rows of a labels CSV by tweet id."""
    with path.open(newline="", encoding="utf-8") as handle:
        return {row["id"]: row for row in csv.DictReader(handle)}


def kappa(pairs: list[tuple[str, str]]) -> float:
    """Cohen's kappa: agreement beyond what the two annotators' label shares give by chance."""
    n = len(pairs)
    observed = sum(a == b for a, b in pairs) / n
    first, second = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    expected = sum(first[k] * second[k] for k in first) / (n * n)
    return 1.0 if expected == 1 else (observed - expected) / (1 - expected)


def half_of(tweet_id: str) -> str:
    """A stable, label-blind coin: the id's hash picks the half before strata are balanced."""
    return hashlib.sha256(f"yardstick:{tweet_id}".encode()).hexdigest()


def main() -> None:
    """Write twcs_yardstick.csv (labels and half) and yardstick_annotations.csv (both passes)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ids", type=Path, default=OUT / "twcs_yardstick_ids.csv")
    parser.add_argument("--first", type=Path, required=True)
    parser.add_argument("--second", type=Path, required=True)
    parser.add_argument("--adjudicated", type=Path, required=True)
    parser.add_argument("--labels-out", type=Path, default=OUT / "twcs_yardstick.csv")
    parser.add_argument("--annotations-out", type=Path, default=OUT / "yardstick_annotations.csv")
    args = parser.parse_args()
    with args.ids.open(newline="") as handle:
        order = [(row["tweet_id"], row["brand"]) for row in csv.DictReader(handle)]
    first, second, adjudicated = read(args.first), read(args.second), read(args.adjudicated)
    final: dict[str, dict[str, str]] = {}
    for tweet_id, _brand in order:
        a, b = first[tweet_id], second[tweet_id]
        agreed = all(a[f] == b[f] for f in FIELDS)
        final[tweet_id] = {f: a[f] for f in FIELDS} if agreed else adjudicated[tweet_id]
    for field in FIELDS:
        pairs = [(first[i][field], second[i][field]) for i, _ in order]
        agree = sum(x == y for x, y in pairs)
        print(
            f"{field}: agreed on {agree}/{len(pairs)} ({agree / len(pairs):.1%}), "
            f"kappa {kappa(pairs):.3f}"
        )
    strata: dict[str, list[str]] = defaultdict(list)
    for tweet_id, _brand in order:
        strata[final[tweet_id]["intent"]].append(tweet_id)
    split: dict[str, str] = {}
    for ids in strata.values():
        for rank, tweet_id in enumerate(sorted(ids, key=half_of)):
            split[tweet_id] = "validation" if rank % 2 == 0 else "test"
    with args.labels_out.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["tweet_id", "brand", "intent", "sentiment", "pii", "split"])
        for tweet_id, brand in order:
            row = final[tweet_id]
            writer.writerow(
                [tweet_id, brand, row["intent"], row["sentiment"], row["pii"], split[tweet_id]]
            )
    with args.annotations_out.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["tweet_id", *(f"{f}_1" for f in FIELDS), *(f"{f}_2" for f in FIELDS), "adjudicated"]
        )
        for tweet_id, _brand in order:
            a, b = first[tweet_id], second[tweet_id]
            disputed = any(a[f] != b[f] for f in FIELDS)
            writer.writerow(
                [
                    tweet_id,
                    *(a[f] for f in FIELDS),
                    *(b[f] for f in FIELDS),
                    "yes" if disputed else "no",
                ]
            )
    counts = Counter((final[i]["intent"], split[i]) for i, _ in order)
    for intent in sorted({k for k, _ in counts}):
        halves = f"validation {counts[intent, 'validation']:4}  test {counts[intent, 'test']:4}"
        print(f"  {intent:18} {halves}")


if __name__ == "__main__":
    main()
