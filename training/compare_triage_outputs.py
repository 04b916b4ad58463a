"""Write or check every triage output on 63,418 real posts, to prove a speed change is neutral.

    .venv/bin/python training/compare_triage_outputs.py --write /tmp/before.jsonl
    # ... change the code ...
    .venv/bin/python training/compare_triage_outputs.py --check /tmp/before.jsonl

Posts: every twcs tweet (inbound and outbound, with its own created_at; followers, verified,
executive targets and coordinates varied by row number so the priority and coordinate rules
fire), the TweetEval sentiment and offensive test splits, the AmazonHelp 300, the ericsson
topic set, NLU++ (both domains), the BANKING77 and CLINC150 test splits (resolved against a
fixed moment). Batches of 2,000 through `ModelTriager.triage_many`, and the first 3,000 twcs
posts again one by one through `triage` (the single-post path). Each output line holds every
SPEC field plus priority reasons and windows, with the confidence unrounded; --check reports
how many lines differ, field by field, and how many still differ once the confidence is
rounded to the 4 decimals `atdesk triage` prints.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "training"))

import corpora  # noqa: E402
from atdesk.domain.triage import TriageInput, TriageResult  # noqa: E402
from atdesk.triage.model_triager import ModelTriager  # noqa: E402

MOMENT = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
BATCH = 2000
SINGLE = 3000


def _twcs() -> Iterator[tuple[str, TriageInput]]:
    path = corpora.data_dir() / "twcs" / "twcs_merged.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        for n, row in enumerate(csv.DictReader(handle)):
            created = datetime.strptime(row["created_at"], "%a %b %d %H:%M:%S %z %Y")
            followers = (25_000, 150_000, 0, 0, 500, 0, 0)[n % 7]
            yield (
                f"twcs:{row['tweet_id']}",
                TriageInput(
                    text=row["text"],
                    created_at=created,
                    followers=followers,
                    verified=n % 11 == 0,
                    aimed_at_executive=n % 17 == 0,
                    coordinates=(40.7, -74.0) if n % 23 == 0 else None,
                ),
            )


def _plain(name: str, texts: list[str]) -> Iterator[tuple[str, TriageInput]]:
    for n, text in enumerate(texts):
        yield f"{name}:{n}", TriageInput(text=text, created_at=MOMENT)


def posts() -> list[tuple[str, TriageInput]]:
    """Every post, with a stable key."""
    out = list(_twcs())
    for task in ("sentiment", "offensive"):
        out += _plain(f"tweeteval_{task}", [t for t, _ in corpora.tweeteval(task, "test")])
    labelled = corpora.data_dir() / "twcs" / "labeled"
    for name, file in (
        ("amazonhelp", "hassanj47_amazonhelp_sentiment300.csv"),
        ("ericsson", "ericsson_inbound_topics_600.csv"),
    ):
        with (labelled / file).open(encoding="utf-8", newline="") as handle:
            out += _plain(name, [r["text"] for r in csv.DictReader(handle)])
    out += _plain("nlupp", [str(e["text"]) for e in corpora.nlupp()])
    out += _plain("banking77", [t for t, _ in corpora.banking77("test")])
    out += _plain("clinc150", [t for t, _ in corpora.clinc150("test")])
    return out


def record(key: str, result: TriageResult) -> dict[str, Any]:
    """Every field, the confidence unrounded."""
    data = result.to_json()
    data["intent_confidence"] = float(result.intent_confidence)
    data["priority_reasons"] = result.priority_reasons
    return {"key": key, **data}


def run() -> list[dict[str, Any]]:
    """Outputs of the batch path, then of the single-post path."""
    items = posts()
    triager = ModelTriager()
    out: list[dict[str, Any]] = []
    for start in range(0, len(items), BATCH):
        chunk = items[start : start + BATCH]
        results = triager.triage_many([item for _, item in chunk])
        out += [record(key, r) for (key, _), r in zip(chunk, results, strict=True)]
    for key, item in items[:SINGLE]:
        out.append(record("single:" + key, triager.triage(item)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", type=Path, help="write the outputs to this JSON Lines file")
    group.add_argument("--check", type=Path, help="compare the outputs with this file")
    args = parser.parse_args()
    outputs = run()
    if args.write:
        with args.write.open("w", encoding="utf-8") as handle:
            for line in outputs:
                handle.write(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")
        print(f"wrote {len(outputs)} outputs to {args.write}")
        return
    with args.check.open(encoding="utf-8") as handle:
        before = [json.loads(line) for line in handle]
    if [b["key"] for b in before] != [o["key"] for o in outputs]:
        raise SystemExit("the post lists differ: write the reference again")
    fields: Counter[str] = Counter()
    lines = rounded = 0
    examples: list[str] = []
    for old, new in zip(before, outputs, strict=True):
        differing = [f for f in old if old[f] != new.get(f)]
        if not differing:
            continue
        lines += 1
        fields.update(differing)
        if [f for f in differing if f != "intent_confidence"] or round(
            old["intent_confidence"], 4
        ) != round(new["intent_confidence"], 4):
            rounded += 1
            if len(examples) < 10:
                examples.append(
                    f"  {old['key']}: "
                    + ", ".join(f"{f} {old[f]!r} -> {new.get(f)!r}" for f in differing)
                )
    print(f"{len(outputs)} outputs compared; {lines} differ ({dict(fields)})")
    print(f"{rounded} differ once the confidence is rounded to 4 decimals")
    print("\n".join(examples))
    if rounded:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
