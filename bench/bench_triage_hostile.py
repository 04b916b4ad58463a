"""Triage time of one hostile post: an unbroken word of 1k to 8k characters, and 1 MB texts.

    .venv/bin/python bench/bench_triage_hostile.py [--sizes 1000,2000,4000,8000,1000000]
        [--rounds 3] [--shapes word,sentences,numbers,times]

Issue 10: one unbroken word took 0.37, 2.2, 15.6 and 66 s at 1k, 2k, 4k and 8k characters
(the word-piece lookup of the static vectors tried every slice of the word). Each round
triages a fresh post (new random letters, so no per-word cache helps) through
`ModelTriager.triage` on a warmed triager, and the median round is reported with its CPU
time and the load average before and after (other jobs on the machine slow wall-clock
times). Shapes: `word` random lower-case letters with no space; `sentences` a customer
sentence repeated; `numbers` "1 " repeated (every date and phone rule looks at it);
`times` "3pm " repeated. Results go to docs/benchmarks.md (section "Triage") with the
machine's core count.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import string
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from atdesk.domain.triage import TriageInput  # noqa: E402
from atdesk.triage.model_triager import ModelTriager  # noqa: E402

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
SENTENCE = "@shop my parcel 123456 is late, call me on Friday at 3pm please! "


def hostile_text(shape: str, size: int, seed: int) -> str:
    """A post of the given shape and length, different for every seed."""
    rng = random.Random(seed)
    if shape == "word":
        return "".join(rng.choice(string.ascii_lowercase) for _ in range(size))
    unit = {"sentences": SENTENCE, "numbers": "1 ", "times": "3pm "}[shape]
    tag = "".join(rng.choice(string.ascii_lowercase) for _ in range(8)) + " "
    return (tag + unit * (size // len(unit) + 1))[:size]


def measure(triager: ModelTriager, shape: str, size: int, rounds: int) -> dict[str, float]:
    """Median wall and CPU seconds of triaging one fresh post, with the load around it."""
    walls, cpus = [], []
    load_before = os.getloadavg()[0]
    for round_number in range(rounds):
        text = hostile_text(shape, size, seed=size * 100 + round_number)
        started, cpu_started = time.perf_counter(), time.process_time()
        triager.triage(TriageInput(text=text, created_at=NOW))
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu_started)
    return {
        "wall": statistics.median(walls),
        "cpu": statistics.median(cpus),
        "worst": max(walls),
        "load_before": load_before,
        "load_after": os.getloadavg()[0],
    }


def main() -> None:
    """Print one markdown row per shape and size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,2000,4000,8000,1000000")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--shapes", default="word,sentences,numbers,times")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    triager = ModelTriager()
    triager.triage(TriageInput(text="warm up: my order is late", created_at=NOW))
    print(f"{datetime.now(UTC):%Y-%m-%d}, {os.cpu_count()} CPU cores, {args.rounds} rounds")
    print("| shape | characters | median wall s | CPU s | worst wall s | load before/after |")
    print("|---|---|---|---|---|---|")
    for shape in args.shapes.split(","):
        for size in sizes:
            if shape != "word" and size < 1_000_000:
                continue  # the repeated shapes only matter at the size of a flood
            row = measure(triager, shape, size, args.rounds)
            print(
                f"| {shape} | {size:,} | {row['wall']:.3f} | {row['cpu']:.3f} "
                f"| {row['worst']:.3f} | {row['load_before']:.1f} / {row['load_after']:.1f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
