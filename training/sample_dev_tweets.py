"""Draw the independent triage yardstick's tweets from twcs: spread over brands, ids only kept.

twcs is evaluation-only (CC BY-NC-SA): this writes the sampled ids (committed) and, for the
labellers, a JSON Lines file of texts outside the repository (never committed).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
from collections import defaultdict
from pathlib import Path

from training.corpora import data_dir

SEED = 20261206


def brand_of(row: dict[str, str], by_id: dict[str, dict[str, str]]) -> str | None:
    """The brand account that answered the tweet (first reply by a company), if any."""
    for reply_id in filter(None, row["response_tweet_id"].split(",")):
        reply = by_id.get(reply_id.strip())
        if reply is not None and reply["inbound"] == "False":
            return reply["author_id"]
    parent = by_id.get(row["in_response_to_tweet_id"])
    if parent is not None and parent["inbound"] == "False":
        return parent["author_id"]
    return None


Sample = list[tuple[str, dict[str, str]]]


def round_robin(per_brand: dict[str, list[dict[str, str]]], n: int, seed: int) -> Sample:
    """Up to n (brand, row) pairs, one brand at a time in turn, so no brand dominates."""
    rng = random.Random(seed)
    for brand_rows in per_brand.values():
        rng.shuffle(brand_rows)
    chosen: Sample = []
    brands = sorted(per_brand)
    depth = 0
    while len(chosen) < n and any(len(per_brand[b]) > depth for b in brands):
        for brand in brands:
            if depth < len(per_brand[brand]) and len(chosen) < n:
                chosen.append((brand, per_brand[brand][depth]))
        depth += 1
    rng.shuffle(chosen)
    return chosen


def write_sample(
    chosen: Sample, by_id: dict[str, dict[str, str]], ids_out: Path, texts_out: Path
) -> None:
    """Ids and brands for the repository; texts, with the message replied to, for labellers."""
    ids_out.parent.mkdir(parents=True, exist_ok=True)
    with ids_out.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["tweet_id", "brand"])
        writer.writerows((row["tweet_id"], brand) for brand, row in chosen)
    with texts_out.open("w", encoding="utf-8") as handle:
        for brand, row in chosen:
            parent = by_id.get(row["in_response_to_tweet_id"])
            item = {
                "id": row["tweet_id"],
                "brand": brand,
                "text": row["text"],
                "in_reply_to": parent["text"] if parent is not None else None,
            }
            handle.write(json.dumps(item, ensure_ascii=False) + "\n")


def main() -> None:
    """Sample N inbound tweets round-robin over brands, skipping the team-labelled dev ids."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1200)
    parser.add_argument("--ids-out", type=Path, default=Path("training/dev/twcs_yardstick_ids.csv"))
    parser.add_argument("--texts-out", type=Path, required=True)
    args = parser.parse_args()
    path = data_dir() / "twcs" / "twcs_merged.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    by_id = {r["tweet_id"]: r for r in rows}
    team_dev = Path("training/dev/twcs_intent_dev.csv")
    with team_dev.open(newline="") as handle:
        skip = {r["tweet_id"] for r in csv.DictReader(handle)}
    per_brand: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        if row["inbound"] != "True" or row["tweet_id"] in skip or len(row["text"].strip()) < 8:
            continue
        brand = brand_of(row, by_id)
        if brand is not None:
            per_brand[brand].append(row)
    chosen = round_robin(per_brand, args.n, SEED)
    write_sample(chosen, by_id, args.ids_out, args.texts_out)
    print(f"{len(chosen)} tweets from {len({b for b, _ in chosen})} brands")


if __name__ == "__main__":
    main()
