"""Spike detection on hand-made streams: how soon a planted burst is found, and how many false
alarms a steady stream raises, through the real detector (and once through the database).

Run: .venv/bin/python bench/bench_spikes.py [--seeds N] [--no-database]
Prints one line per measurement; copy them into docs/benchmarks.md (## Spike detection).

Streams: a Poisson background with an hour-of-day shape (quiet nights, busy afternoons) of
2, 5 or 10 posts an hour on average, 30% negative; a burst is N similar complaints spread
uniformly over two hours from its first post, planted at a random time of day on day 6.
Every stream is judged as the brand's series and as one series per rare term (similar.py),
all of them sharing the false-alarm budget. Delay is the end of the first flagged minute of
any of them minus the burst's first post. False alarms are
counted over five judged days of a steady stream (seven days, the first two are history).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.insights.spike_streams import background, burst

from atdesk.insights.spikes.detect import Burst, Series, Thresholds, find_bursts
from atdesk.insights.spikes.severity import Severity
from atdesk.insights.spikes.similar import similar_bursts

START = datetime(2026, 11, 2, tzinfo=UTC)
SERIES = 12  # a brand and its eleven intents share the false-alarm budget


def _series(posts: list[tuple[datetime, bool, str]]) -> Series:
    return Series.of([(at, negative) for at, negative, _ in posts])


def _all_bursts(
    posts: list[tuple[datetime, bool, str]], since: datetime, until: datetime
) -> list[Burst]:
    """The brand series' bursts and every rare term's, as the detector would judge them."""
    judged = {"since": since, "until": until, "history_start": START, "thresholds": Thresholds()}
    return find_bursts(_series(posts), series_count=SERIES, **judged) + [  # type: ignore[arg-type]
        burst
        for _, burst in similar_bursts(posts, other_series=SERIES, **judged)  # type: ignore[arg-type]
    ]


def delays(seeds: int, size: int, per_hour: float) -> tuple[list[float], int]:
    """Detection delays in minutes for planted bursts, and how many were missed."""
    found: list[float] = []
    missed = 0
    for seed in range(seeds):
        rng = random.Random(seed * 7919 + size)
        planted_at = START + timedelta(days=5, minutes=rng.uniform(0, 1200))
        posts = background(rng, start=START, days=6, per_hour=per_hour) + burst(
            rng, start=planted_at, posts=size
        )
        bursts = [
            b
            for b in _all_bursts(posts, START + timedelta(days=5), START + timedelta(days=6))
            if b.end >= planted_at and b.kind == "volume"
        ]
        if not bursts:
            missed += 1
            continue
        first = min(b.detected_at for b in bursts)
        found.append((first - planted_at).total_seconds() / 60)
    return found, missed


def false_alarms(seeds: int, per_hour: float) -> tuple[int, int]:
    """Bursts found over five judged steady days, summed over the seeds: all of them, and
    those at the default alert grade (medium) or above."""
    total = alerting = 0
    for seed in range(seeds):
        rng = random.Random(10_000 + seed)
        posts = background(rng, start=START, days=7, per_hour=per_hour)
        found = _all_bursts(posts, START + timedelta(days=2), START + timedelta(days=7))
        total += len(found)
        alerting += sum(1 for b in found if b.severity.rank >= Severity.MEDIUM.rank)
    return total, alerting


def through_database(size: int, per_hour: float) -> str:
    """The same kind of stream ingested as JSON Lines into SQLite, then `detect_spikes`."""
    import json

    from atdesk.brands.service import create_brand
    from atdesk.domain.networks import Network
    from atdesk.insights.spikes.trends import detect_spikes
    from atdesk.pipeline.ingest import ingest_file
    from atdesk.storage.migrate import upgrade
    from atdesk.storage.session import transaction

    rng = random.Random(42)
    planted_at = START + timedelta(days=5, hours=14, minutes=7)
    posts = background(rng, start=START, days=6, per_hour=per_hour) + burst(
        rng, start=planted_at, posts=size
    )
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        upgrade(url)
        with transaction(url) as session:
            create_brand(session, "BenchCo", [(Network.X, "benchco", "1300000001")])
        lines = Path(folder) / "stream.jsonl"
        with lines.open("w", encoding="utf-8") as out:
            for index, (at, negative, text) in enumerate(sorted(posts)):
                words = text if not negative else f"{text}, this is awful"
                out.write(
                    json.dumps(
                        {
                            "network": "x",
                            "id": str(10**15 + index),
                            "text": f"@benchco {words}",
                            "created_at": at.isoformat(),
                            "author": {"id": str(5000 + index % 400), "handle": f"u{index % 400}"},
                            "to": "benchco",
                        }
                    )
                    + "\n"
                )
        ingest_file(lines, url)
        started = time.perf_counter()
        with transaction(url) as session:
            spikes = detect_spikes(
                session,
                since=START + timedelta(days=1),
                until=START + timedelta(days=6),
                brand_ids=None,
            )
        seconds = time.perf_counter() - started
    rows = [
        f"{s.series.key} {s.burst.start:%d %H:%M}-{s.burst.end:%H:%M} posts={s.burst.posts} "
        f"delay={(s.burst.detected_at - planted_at).total_seconds() / 60:.0f}min "
        f"{s.burst.severity.value} label={s.label!r}"
        for s in spikes
    ]
    return f"{len(posts)} posts ingested; detect_spikes over 5 days took {seconds:.2f} s: " + (
        "; ".join(rows) or "nothing found"
    )


def main() -> None:
    """Print the measurements."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=40)
    parser.add_argument("--no-database", action="store_true")
    args = parser.parse_args()
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"{args.seeds} seeds a row, {SERIES} series share the budget")  # fmt: skip
    for per_hour in (2.0, 5.0, 10.0):
        for size in (100, 120, 150):
            found, _missed = delays(args.seeds, size, per_hour)
            within = sum(1 for d in found if d <= 15)
            print(
                f"burst of {size} over 2 h on {per_hour:g}/h: found {len(found)}/{args.seeds}, "
                f"delay median {statistics.median(found):.0f} min, "
                f"max {max(found):.0f} min, within 15 min {within}/{args.seeds}"
            )
    for per_hour in (2.0, 5.0, 10.0, 30.0):
        alarms, alerting = false_alarms(args.seeds, per_hour)
        print(
            f"steady {per_hour:g}/h, 5 judged days x {args.seeds} seeds: {alarms} spikes found, "
            f"{alerting} at medium or above (would alert by default)"
        )
    if not args.no_database:
        print("database:", through_database(120, 5.0))


if __name__ == "__main__":
    main()
