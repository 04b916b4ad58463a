"""Filter-stage cost of a brand's block list: posts per second with 0, 10 and 50 patterns.

    .venv/bin/python bench/bench_blocklist.py [--posts 20000] [--rounds 3] [--patterns 0,10,50]

Each round asks `BlockList.reason` (what `filter_reason` does per post) for every post of a
synthetic set of customer posts (60-280 characters, no post matching, so every entry is
tried: the worst case for an ordinary post) against a list of 200 users, 100 keywords and N
patterns written like a brand's (word alternations, `\\s+` gaps, optional letters). The median
round is reported in posts per second with the CPU time and the load average around it (other
jobs on the machine slow wall-clock times). A last line times one hostile post (a 5,000-letter
run) against a pattern that backtracks on it: it is cut by the time limit. Results go to
docs/benchmarks.md (section "Filter") with the machine's core count.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import string
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from atdesk.pipeline.blocklist import (  # noqa: E402
    SEARCH_TIMEOUT_S,
    BlockKind,
    BlockList,
    normalised_value,
)

WORDS = [
    "my",
    "order",
    "parcel",
    "refund",
    "bill",
    "charged",
    "twice",
    "app",
    "crash",
    "login",
    "password",
    "delivery",
    "late",
    "please",
    "help",
    "today",
    "store",
    "card",
    "account",
    "phone",
    "internet",
    "slow",
    "broken",
    "thanks",
    "again",
]


def posts(count: int, seed: int = 7) -> list[tuple[str, str]]:
    """(handle, text) pairs of plausible customer posts that no entry matches."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        words = [rng.choice(WORDS) for _ in range(rng.randint(10, 45))]
        out.append((f"customer{i}", "@acmehelp " + " ".join(words)))
    return out


def block_list(patterns: int, seed: int = 11) -> BlockList:
    """200 users, 100 keywords and `patterns` patterns, all checked as the admin page does."""
    rng = random.Random(seed)
    found = BlockList()

    def word() -> str:
        return "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(5, 9)))

    for i in range(200):
        found.add("user", normalised_value(BlockKind.USER, f"spam{i}"))
    for _ in range(100):
        found.add("keyword", normalised_value(BlockKind.KEYWORD, f"{word()} {word()}"))
    for _ in range(patterns):
        pattern = rf"\b(?:{word()}|{word()}|{word()})\s+{word()}s?\b"
        found.add("regex", normalised_value(BlockKind.REGEX, pattern))
    return found


def measure(found: BlockList, batch: list[tuple[str, str]], rounds: int) -> dict[str, float]:
    """Median posts per second, and CPU seconds of that round."""
    walls, cpus = [], []
    for _ in range(rounds):
        wall, cpu = time.perf_counter(), time.process_time()
        for handle, text in batch:
            if found.reason(handle, text) is not None:
                raise AssertionError("the synthetic posts match nothing")
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    median = statistics.median(walls)
    return {"per_s": len(batch) / median, "wall_s": median, "cpu_s": statistics.median(cpus)}


def main() -> None:
    """Print one line per pattern count, then the hostile post."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--patterns", default="0,10,50")
    args = parser.parse_args()
    batch = posts(args.posts)
    print(f"cores={os.cpu_count()} load_before={os.getloadavg()[0]:.2f} posts={len(batch)}")
    for count in (int(n) for n in args.patterns.split(",")):
        got = measure(block_list(count), batch, args.rounds)
        print(
            f"patterns={count} posts_per_s={got['per_s']:,.0f} wall_s={got['wall_s']:.3f}"
            f" cpu_s={got['cpu_s']:.3f}"
        )
    slow = BlockList()
    slow.add("regex", r"(q+q+)+y")
    wall = time.perf_counter()
    slow.reason("x", "q" * 5000)
    print(
        f"hostile post: {time.perf_counter() - wall:.3f} s (limit {SEARCH_TIMEOUT_S} s a pattern)"
        f" load_after={os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main()
