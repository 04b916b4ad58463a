"""Draw the yardstick's rare-class supplement: twcs tweets that may ask for a call, a booking
change or a crew, which a random sample of real traffic holds only a handful of.

Chosen by a broad keyword net, so its figures are reported apart from the random yardstick's
(a net flatters keyword-like models); ids are written, texts only outside the repository.
"""

from __future__ import annotations

import argparse
import csv
import re
from collections import defaultdict
from pathlib import Path

from training.corpora import data_dir
from training.sample_dev_tweets import brand_of, round_robin, write_sample

SEED = 20261207
DEV = Path(__file__).resolve().parent / "dev"
NET = re.compile(
    r"\b(call(ed|ing)? me|call ?back|phone me|ring me|give me a call|"
    r"speak to (someone|a person|somebody)|reschedul\w*|rebook\w*|re-book\w*|"
    r"(change|cancel|move) (my|the|our) (flight|booking|reservation|appointment|visit|install\w*)|"
    r"appointment|technician|engineer|pothole|tree|power line|lines? down|outage in|leak\w*|"
    r"flood\w*|street ?light|sinkhole|lift|escalator|out of order|broken (down )?(at|on)|"
    r"signal failure|station)\b",
    re.IGNORECASE,
)


def main() -> None:
    """Every inbound tweet the net catches, outside the yardstick and the team's dev set."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--texts-out", type=Path, required=True)
    args = parser.parse_args()
    with (data_dir() / "twcs" / "twcs_merged.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    by_id = {r["tweet_id"]: r for r in rows}
    skip: set[str] = set()
    for name in ("twcs_intent_dev.csv", "twcs_yardstick_ids.csv"):
        with (DEV / name).open(newline="") as handle:
            skip |= {r["tweet_id"] for r in csv.DictReader(handle)}
    per_brand: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        if row["inbound"] != "True" or row["tweet_id"] in skip or len(row["text"].strip()) < 8:
            continue
        brand = brand_of(row, by_id)
        if brand is not None and NET.search(row["text"]):
            per_brand[brand].append(row)
    chosen = round_robin(per_brand, args.n, SEED)
    write_sample(chosen, by_id, DEV / "twcs_rare_supplement_ids.csv", args.texts_out)
    print(f"{len(chosen)} tweets from {len({b for b, _ in chosen})} brands")


if __name__ == "__main__":
    main()
