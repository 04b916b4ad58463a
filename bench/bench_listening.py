"""Listening cost in the pipeline's decide stage: matching posts against brands' tracked terms.

Run: .venv/bin/python bench/bench_listening.py [--brands N] [--posts N]
Every brand tracks 50 terms (words, phrases, hashtags) and 10 exclusions; the posts are
synthetic care posts of which about 1 in 20 holds a term. Prints posts/s for
`BrandDirectory.term_brand` (what `decide` runs for each post no brand account is addressed
in); copy the line into docs/benchmarks.md with the date and the cores.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from datetime import UTC, datetime

from atdesk.domain.listening import validated
from atdesk.domain.networks import Network
from atdesk.domain.posts import Author, Post
from atdesk.pipeline.directory import BrandDirectory

WORDS = [
    "my",
    "order",
    "never",
    "arrived",
    "and",
    "the",
    "app",
    "keeps",
    "crashing",
    "when",
    "I",
    "try",
    "to",
    "pay",
    "the",
    "bill",
    "again",
    "today",
    "support",
    "please",
    "help",
    "refund",
    "card",
    "declined",
    "wifi",
    "router",
    "outage",
    "streetlight",
    "bin",
    "collection",
]


def directory(brands: int) -> BrandDirectory:
    """Brands each tracking 50 terms and 10 exclusions."""
    found = BrandDirectory()
    for b in range(brands):
        terms = [f"brand{b}term{i}" for i in range(40)]
        terms += [f'"brand{b} phrase {i}"' for i in range(5)]
        terms += [f"#brand{b}tag{i}" for i in range(5)]
        found.listening[b] = validated(terms, [f"brand{b}skip{i}" for i in range(10)], [], False)
    return found


def posts(n: int, brands: int) -> list[Post]:
    """Care-like texts; one in twenty names a term of a random brand."""
    rng = random.Random(7)
    at = datetime(2026, 12, 7, tzinfo=UTC)
    out = []
    for i in range(n):
        words = rng.choices(WORDS, k=rng.randint(8, 30))
        if i % 20 == 0:
            words.append(f"brand{rng.randrange(brands)}term{rng.randrange(40)}")
        author = Author(Network.X, str(i), f"user{i}")
        out.append(Post(Network.X, str(i), " ".join(words), at, author))
    return out


def main() -> None:
    """Measure and print one line."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--brands", type=int, default=10)
    parser.add_argument("--posts", type=int, default=50_000)
    args = parser.parse_args()
    found = directory(args.brands)
    sample = posts(args.posts, args.brands)
    found.term_brand(sample[0])  # compile the patterns
    started = time.perf_counter()
    heard = sum(1 for p in sample if found.term_brand(p) is not None)
    took = time.perf_counter() - started
    print(
        f"{args.brands} brands x 50 terms, {args.posts} posts: {args.posts / took:,.0f} posts/s "
        f"({heard} heard; {os.cpu_count()} cores)"
    )


if __name__ == "__main__":
    main()
