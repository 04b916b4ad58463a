"""Full triage throughput and latency, side by side with VADER alone on the same posts.

    .venv/bin/python bench/bench_triage.py [--posts 20000] [--batch 2000] [--rounds 3]
        [--parallel-repeat 5]

Reads inbound twcs tweets from ../shared/data (ATDESK_DATA_DIR): the first --posts are
measured, the rest (7,568 of 27,568 by default) only warm the per-word tables first, so the
measured posts are new to the triager, as in a long-running worker. In one run, --rounds
times over (the summary takes the median round), it measures:
- batch throughput of the shipped ModelTriager (every SPEC §1 field) in one process, on the
  new posts and again on the same posts (every word known);
- the same with one forked worker process per core (`atdesk.triage.parallel`, pool start
  included, results sent back as TriageResult objects), over the posts --parallel-repeat
  times (as for a big file: the pool starts once);
- the `atdesk triage` path (JSON lines in and out) on one process and on every core (the
  latter over the posts --parallel-repeat times too);
- VADER's polarity_scores alone over the same posts, one process;
- the ratios full triage / VADER;
- single-post latency (p50/p99) of ModelTriager.triage, one call per post;
- where one process's batch time goes.
Wall-clock rates, with the CPU time of the measuring process beside them, and the load
average before and after each round (other jobs on the machine slow wall-clock rates).
Results go to docs/benchmarks.md (section "Triage") with the machine's core count.
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from atdesk.domain.triage import TriageInput  # noqa: E402
from atdesk.triage.commands import render_lines  # noqa: E402
from atdesk.triage.model_triager import ModelTriager, apply_precedence  # noqa: E402
from atdesk.triage.parallel import default_workers, map_chunks, triage_chunks  # noqa: E402


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


def load() -> float:
    """The one-minute load average."""
    return os.getloadavg()[0]


def busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy since boot (Linux /proc/stat)."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return float("nan")
    ticks = [int(f) for f in fields]
    return (sum(ticks[:8]) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


def own_seconds() -> float:
    """CPU seconds of this process and its finished children."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def timed(work: Callable[[], Any]) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one call."""
    started, cpu_started = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - started, time.process_time() - cpu_started


def one_round(
    triager: ModelTriager, posts: list[TriageInput], batch: int, latency_posts: int, repeat: int
) -> dict[str, Any]:
    """Every measure once; rates in posts per second."""
    count = len(posts)
    chunks = [posts[start : start + batch] for start in range(0, count, batch)]
    workers = default_workers()
    out: dict[str, Any] = {"load_before": load()}
    machine_before, own_before, started = busy_seconds(), own_seconds(), time.perf_counter()

    def run_all() -> None:
        for chunk in chunks:
            triager.triage_many(chunk)

    wall, cpu = timed(run_all)
    out["new"], out["new_cpu"] = count / wall, count / cpu
    wall, cpu = timed(run_all)
    out["known"], out["known_cpu"] = count / wall, count / cpu

    def run_forked() -> None:
        for _ in triage_chunks(triager, chunks * repeat, workers):
            pass

    out["forked"] = count * repeat / timed(run_forked)[0]

    lines = [
        json.dumps({"id": str(i), "text": p.text, "created_at": p.created_at.isoformat()}) + "\n"
        for i, p in enumerate(posts)
        if p.created_at is not None
    ]
    line_chunks = [lines[start : start + batch] for start in range(0, len(lines), batch)]
    for processes in sorted({1, workers}):
        times = repeat if processes > 1 else 1

        def run_lines(processes: int = processes, times: int = times) -> None:
            for _ in map_chunks(triager, render_lines, line_chunks * times, processes):
                pass

        out[f"json_{processes}"] = len(lines) * times / timed(run_lines)[0]

    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    vader = SentimentIntensityAnalyzer()

    def run_vader() -> None:
        for post in posts:
            vader.polarity_scores(post.text)

    wall, cpu = timed(run_vader)
    out["vader"], out["vader_cpu"] = count / wall, count / cpu

    latencies = []
    for post in posts[:latency_posts]:
        began = time.perf_counter()
        triager.triage(post)
        latencies.append((time.perf_counter() - began) * 1000)
    latencies.sort()
    out["p50"] = statistics.median(latencies)
    out["p99"] = latencies[int(len(latencies) * 0.99) - 1]
    out["load_after"] = load()
    others = (busy_seconds() - machine_before) - (own_seconds() - own_before)
    out["others"] = max(0.0, others) / (time.perf_counter() - started) / (os.cpu_count() or 1)
    return out


def breakdown(triager: ModelTriager, posts: list[TriageInput], batch: int) -> dict[str, float]:
    """CPU microseconds per post of each stage of triage_many, one process (collector paused,
    as triage_many does); "rules and results" is the rest: spam, entities, dates, priority,
    abuse and building the results."""
    texts = [p.text for p in posts]
    chunks = [texts[start : start + batch] for start in range(0, len(texts), batch)]
    tokens, bundle = triager.tokens, triager.bundle
    batches = [tokens.encode(chunk) for chunk in chunks]
    probs = [bundle.probabilities(tokens.features(b)) for b in batches]
    labels = bundle.heads["intent"].labels
    stages: dict[str, Callable[[], Any]] = {
        "tokens": lambda: [tokens.encode(chunk) for chunk in chunks],
        "features and 3 heads": lambda: [bundle.probabilities(tokens.features(b)) for b in batches],
        "precedence and cues": lambda: [
            apply_precedence(p["intent"], labels, chunk)
            for p, chunk in zip(probs, chunks, strict=True)
        ],
        "language": lambda: [triager.languages.identify(chunk) for chunk in chunks],
        "all fields": lambda: [
            triager.triage_many(posts[start : start + batch])
            for start in range(0, len(posts), batch)
        ],
    }
    gc.disable()
    try:
        spent = {name: timed(work)[1] / len(posts) * 1e6 for name, work in stages.items()}
    finally:
        gc.enable()
    total = spent.pop("all fields")
    spent["rules and results"] = total - sum(spent.values())
    spent["all fields"] = total
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=2_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--latency-posts", type=int, default=3_000)
    parser.add_argument("--parallel-repeat", type=int, default=5)
    args = parser.parse_args()

    every = load_posts(27_568)
    posts, warm = every[: args.posts], every[args.posts :]
    if not warm:
        posts, warm = load_posts(args.posts), every[:2_000]
    triager = ModelTriager()
    for start in range(0, len(warm), args.batch):  # load models, fill the word tables
        triager.triage_many(warm[start : start + args.batch])
    rounds = [
        one_round(triager, posts, args.batch, args.latency_posts, args.parallel_repeat)
        for _ in range(args.rounds)
    ]

    workers = default_workers()
    print(f"machine: {os.cpu_count()} cores; {len(posts)} twcs inbound posts, batch {args.batch}")
    print(f"warm-up: {len(warm)} other posts; date {datetime.now(UTC).date().isoformat()}")
    columns = [
        ("new", "full triage, 1 process, new posts"),
        ("known", "full triage, 1 process, same posts again"),
        ("forked", f"full triage, {workers} forked processes (x{args.parallel_repeat})"),
        ("json_1", "atdesk triage path (JSON lines), 1 process"),
        (f"json_{workers}", f"atdesk triage path, {workers} processes (x{args.parallel_repeat})"),
        ("vader", "VADER alone, 1 process"),
    ]
    header = "".join(f"{i + 1:>9}" for i in range(len(rounds)))
    print(f"{'round':<46}{header}   median")
    for key, name in columns:
        values = [r[key] for r in rounds]
        cells = "".join(f"{v:>9,.0f}" for v in values)
        print(f"{name:<46}{cells} {statistics.median(values):>8,.0f} posts/s")
    for key, name in (("new_cpu", "full triage"), ("vader_cpu", "VADER")):
        values = [r[key] for r in rounds]
        print(f"{name + ' per CPU-second':<46}" + "".join(f"{v:>9,.0f}" for v in values))
    for key in ("p50", "p99"):
        print(f"{'single post ' + key + ' (ms)':<46}" + "".join(f"{r[key]:>9.2f}" for r in rounds))
    print(
        f"{'load average before / after':<46}"
        + "".join(f"{r['load_before']:>5.1f}/{r['load_after']:<3.1f}" for r in rounds)
    )
    print(
        f"{'CPU taken by other processes (share of all)':<46}"
        + "".join(f"{r['others']:>9.0%}" for r in rounds)
    )
    median = {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}
    vader = median["vader"]
    print(f"ratio full triage / VADER alone, 1 process (new posts): {median['new'] / vader:.2f}x")
    print(f"ratio full triage, {workers} processes / VADER alone: {median['forked'] / vader:.2f}x")
    parts = breakdown(triager, posts, args.batch)
    print("CPU per post, 1 process: " + ", ".join(f"{k} {v:.1f} us" for k, v in parts.items()))


if __name__ == "__main__":
    main()
