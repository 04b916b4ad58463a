"""Full triage throughput and latency, side by side with VADER alone on the same posts.

    .venv/bin/python bench/bench_triage.py [--posts 20000] [--batch 2000]

Reads inbound twcs tweets from ../shared/data (ATDESK_DATA_DIR), repeats them up to --posts,
and in one run measures:
- batch throughput of the shipped ModelTriager (every SPEC §1 field) in one process, on a
  first pass (per-word feature caches filling) and a second pass (steady state, as in a
  long-running worker);
- the same on every core (forked worker processes, `atdesk.triage.parallel`);
- VADER's polarity_scores alone over the same posts, one process;
- the ratio of the two;
- single-post latency (p50/p99) of ModelTriager.triage, one call per post;
- where batch time goes (features and heads, language, per-post rules and entities).
Results go to docs/benchmarks.md (section "Triage") with the machine's core count.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from atdesk.domain.triage import TriageInput  # noqa: E402
from atdesk.triage.commands import render_lines  # noqa: E402
from atdesk.triage.entities import extract_entities  # noqa: E402
from atdesk.triage.model_triager import ModelTriager  # noqa: E402
from atdesk.triage.parallel import default_workers, map_chunks, triage_chunks  # noqa: E402
from atdesk.triage.tokens import tokens  # noqa: E402


def load_posts(count: int) -> list[TriageInput]:
    """Inbound twcs tweets with their own created_at, repeated up to count."""
    data = Path(os.environ.get("ATDESK_DATA_DIR") or ROOT.parent / "shared" / "data")
    with (data / "twcs" / "twcs_merged.csv").open(encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["inbound"] == "True"]
    posts = [
        TriageInput(
            text=r["text"], created_at=datetime.strptime(r["created_at"], "%a %b %d %H:%M:%S %z %Y")
        )
        for r in rows
    ]
    return (posts * (count // len(posts) + 1))[:count]


def rate(count: int, seconds: float) -> float:
    """Posts per second."""
    return count / seconds if seconds > 0 else float("inf")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=2_000)
    parser.add_argument("--latency-posts", type=int, default=3_000)
    args = parser.parse_args()

    posts = load_posts(args.posts)
    triager = ModelTriager()
    triager.triage_many(posts[: args.batch])  # load models and warm caches

    started = time.perf_counter()
    for start in range(0, len(posts), args.batch):
        triager.triage_many(posts[start : start + args.batch])
    cold = time.perf_counter() - started
    started, cpu_started = time.perf_counter(), time.process_time()
    for start in range(0, len(posts), args.batch):
        triager.triage_many(posts[start : start + args.batch])
    full, full_cpu = time.perf_counter() - started, time.process_time() - cpu_started

    chunks = [posts[start : start + args.batch] for start in range(0, len(posts), args.batch)]
    workers = default_workers()
    started = time.perf_counter()
    for _ in triage_chunks(triager, chunks, workers):
        pass
    parallel = time.perf_counter() - started

    lines = [
        json.dumps({"id": str(i), "text": p.text, "created_at": p.created_at.isoformat()}) + "\n"
        for i, p in enumerate(posts)
    ]
    line_chunks = [lines[start : start + args.batch] for start in range(0, len(lines), args.batch)]
    json_rates = {}
    for count in sorted({1, workers}):
        started = time.perf_counter()
        for _ in map_chunks(triager, render_lines, line_chunks, count):
            pass
        json_rates[count] = rate(len(lines), time.perf_counter() - started)

    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    vader = SentimentIntensityAnalyzer()
    started, cpu_started = time.perf_counter(), time.process_time()
    for post in posts:
        vader.polarity_scores(post.text)
    vader_s, vader_cpu = time.perf_counter() - started, time.process_time() - cpu_started

    latencies = []
    for post in posts[: args.latency_posts]:
        began = time.perf_counter()
        triager.triage(post)
        latencies.append((time.perf_counter() - began) * 1000)
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1]

    texts = [p.text for p in posts]
    started = time.perf_counter()
    for start in range(0, len(posts), args.batch):
        chunk = texts[start : start + args.batch]
        triager.bundle.probabilities(
            triager.bundle.features.transform_tokens([tokens(t) for t in chunk])
        )
    models_s = time.perf_counter() - started
    started = time.perf_counter()
    for start in range(0, len(posts), args.batch):
        triager.languages.identify(texts[start : start + args.batch])
    language_s = time.perf_counter() - started
    started = time.perf_counter()
    for post in posts:
        extract_entities(post.text, post.created_at, post.coordinates, set(tokens(post.text)))
    entities_s = time.perf_counter() - started

    cores = os.cpu_count()
    print(
        f"machine: {cores} cores, one process; {len(posts)} twcs inbound posts, batch {args.batch}"
    )
    print(
        f"full triage, first pass:   {rate(len(posts), cold):>9,.0f} posts/s (word caches filling)"
    )
    print(f"full triage (all fields):  {rate(len(posts), full):>9,.0f} posts/s (steady state)")
    print(
        f"full triage, {workers} processes:  {rate(len(posts), parallel):>9,.0f} posts/s "
        "(forked workers, results pickled back)"
    )
    for count, value in json_rates.items():
        print(f"JSON lines in and out, {count} process(es): {value:>9,.0f} posts/s (atdesk triage)")
    print(f"VADER alone:               {rate(len(posts), vader_s):>9,.0f} posts/s (one process)")
    print(f"ratio full triage / VADER: {vader_s / full:>9.2f}x one process each")
    print(f"ratio, {workers} processes / VADER: {vader_s / parallel:>9.2f}x")
    print(
        f"per CPU-second (load-independent): triage {rate(len(posts), full_cpu):,.0f} posts/s, "
        f"VADER {rate(len(posts), vader_cpu):,.0f} posts/s, ratio {vader_cpu / full_cpu:.2f}x"
    )
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(
        f"single-post latency:       p50 {statistics.median(latencies):.2f} ms, "
        f"p99 {p99:.2f} ms ({len(latencies)} calls)"
    )
    print(
        f"breakdown per post: tokens+features+3 heads {models_s / len(posts) * 1e6:.1f} us, "
        f"language {language_s / len(posts) * 1e6:.1f} us, "
        f"entities {entities_s / len(posts) * 1e6:.1f} us, "
        f"total {full / len(posts) * 1e6:.1f} us"
    )
    print(f"date: {datetime.now(UTC).date().isoformat()}")


if __name__ == "__main__":
    main()
