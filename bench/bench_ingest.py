"""Ingest throughput: the 37,714-post twcs replay through the whole pipeline, SQLite and PostgreSQL.

Run: .venv/bin/python bench/bench_ingest.py [--postgres URL] [--runs N] [--posts N]
Prints one line per backend and run; copy the table into docs/benchmarks.md with the date.

`--posts N` replays N posts instead: the twcs file over and over, each pass with its ids moved
past the last pass's and its times moved before them, so every pass is new history (1,000,000
for the issue's million-post replay). The stretched file is streamed to a temporary CSV, never
held in memory and never written into the repository; the line reports the peak RSS.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import resource
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from atdesk.config import load_settings
from atdesk.pipeline.ingest import ingest_file
from atdesk.storage.engine import get_engine, normalise_url
from atdesk.storage.migrate import upgrade


def measure(url: str, path: Path) -> tuple[float, float, int]:
    """Seconds for the first (storing) run and the second (idempotent) run, and posts stored."""
    upgrade(url)
    started = time.perf_counter()
    report = ingest_file(path, url, warn=lambda _: None)
    first = time.perf_counter() - started
    started = time.perf_counter()
    again = ingest_file(path, url, warn=lambda _: None)
    second = time.perf_counter() - started
    assert again.pipeline.stored == 0, "second run must store nothing"
    get_engine(url).dispose()
    return first, second, report.pipeline.stored


# twcs tweet ids are below 3,000,000: each pass adds this much to every id, so passes never collide.
ID_STRIDE = 10_000_000
TWCS_TIME = "%a %b %d %H:%M:%S %z %Y"
ID_COLUMNS = ("tweet_id", "response_tweet_id", "in_response_to_tweet_id")


def _moved_ids(value: str, offset: int) -> str:
    """Comma-separated tweet ids (twcs sometimes writes '3.0') moved by offset."""
    out = []
    for part in value.split(","):
        digits = part.strip().removesuffix(".0")
        out.append(str(int(digits) + offset) if digits.isdigit() else part)
    return ",".join(out)


def _time_span(path: Path) -> timedelta:
    """How long the file's posts cover, plus a day: one pass's shift back in time."""
    first = last = None
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            moment = datetime.strptime(row["created_at"], TWCS_TIME)  # noqa: DTZ007 (%z in it)
            first = moment if first is None or moment < first else first
            last = moment if last is None or moment > last else last
    if first is None or last is None:
        raise SystemExit(f"{path} has no rows")
    return last - first + timedelta(days=1)


def stretched_rows(path: Path, posts: int) -> Iterator[dict[str, str]]:
    """`posts` twcs rows: the file again and again, each pass re-id'd and re-timed before the last,
    read row by row (nothing but the current row is held)."""
    span = _time_span(path)
    done = 0
    passes = 0
    while done < posts:
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                if done >= posts:
                    return
                if passes:
                    for column in ID_COLUMNS:
                        if row.get(column):
                            row[column] = _moved_ids(row[column], passes * ID_STRIDE)
                    # Earlier, not later: every pass stays history, however many there are.
                    moment = datetime.strptime(row["created_at"], TWCS_TIME) - passes * span  # noqa: DTZ007
                    row["created_at"] = moment.strftime(TWCS_TIME)
                yield row
                done += 1
        passes += 1


def write_stretched(path: Path, posts: int, out: Path) -> None:
    """Stream `posts` stretched rows into the CSV `out`."""
    with path.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    with out.open("w", encoding="utf-8", newline="") as target:
        writer = csv.DictWriter(target, fieldnames=header)
        writer.writeheader()
        writer.writerows(stretched_rows(path, posts))


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_once(url: str, path: Path) -> tuple[float, float, int]:
    """Wall and CPU seconds of one storing run, and the posts it stored."""
    upgrade(url)
    started, cpu = time.perf_counter(), time.process_time()
    report = ingest_file(path, url, warn=lambda _: None)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    get_engine(url).dispose()
    return wall, cpu, report.pipeline.stored


def run_stretched(source: Path, posts: int, postgres: str | None) -> None:
    """The --posts N replay on SQLite (and PostgreSQL when given), one line each."""
    print("| backend | posts | run s | posts/s | CPU s (this process) | peak RSS MB |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        stretched = Path(tmp) / "stretched.csv"
        write_stretched(source, posts, stretched)
        wall, cpu, stored = measure_once(f"sqlite:///{tmp}/bench.db", stretched)
        print(
            f"| SQLite | {stored:,} | {wall:.1f} | {stored / wall:,.0f} | {cpu:.1f} "
            f"| {peak_rss_mb():.0f} |"
        )
        if postgres:
            name, url = fresh_postgres(postgres)
            try:
                wall, cpu, stored = measure_once(url, stretched)
            finally:
                drop_postgres(postgres, name)
            print(
                f"| PostgreSQL 15 | {stored:,} | {wall:.1f} | {stored / wall:,.0f} | {cpu:.1f} "
                f"| {peak_rss_mb():.0f} |"
            )


def fresh_postgres(admin_url: str) -> tuple[str, str]:
    """A new empty database on the server, and its URL."""
    name = f"atdesk_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(normalise_url(admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = (
        make_url(normalise_url(admin_url)).set(database=name).render_as_string(hide_password=False)
    )
    return name, url


def drop_postgres(admin_url: str, name: str) -> None:
    """Remove the benchmark database."""
    admin = create_engine(normalise_url(admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def main() -> None:
    """Run the benchmark and print a markdown table row per run."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", default=os.environ.get("ATDESK_TEST_POSTGRES_URL"))
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument(
        "--posts", type=int, help="replay this many posts (the file stretched; e.g. 1000000)"
    )
    args = parser.parse_args()
    path = Path(load_settings().data_dir) / "twcs" / "twcs_merged.csv"
    if not path.is_file():
        raise SystemExit(f"{path} not found; set ATDESK_DATA_DIR")
    cpu = platform.processor() or platform.machine()
    when = f"{datetime.now(UTC):%Y-%m-%d}"
    print(
        f"# {when} {cpu}, {os.cpu_count()} cores, {platform.python_version()},"
        f" load average {os.getloadavg()[0]:.1f}"
    )
    if args.posts:
        run_stretched(path, args.posts, args.postgres)
        return
    print("| backend | posts | first run s | posts/s | rerun s (stores nothing) |")
    print("|---|---|---|---|---|")
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            first, second, stored = measure(f"sqlite:///{tmp}/bench.db", path)
        print(f"| SQLite | {stored} | {first:.1f} | {stored / first:,.0f} | {second:.1f} |")
        if args.postgres:
            name, url = fresh_postgres(args.postgres)
            try:
                first, second, stored = measure(url, path)
            finally:
                drop_postgres(args.postgres, name)
            print(
                f"| PostgreSQL 15 | {stored} | {first:.1f} | {stored / first:,.0f} | {second:.1f} |"
            )


if __name__ == "__main__":
    main()
