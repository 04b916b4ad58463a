"""Emerging issues: what the live hook costs per ingested post, and how long a rebuild takes.

The twcs replay is cut in two by time. The first part is ingested and rebuilt into issues
(left open, as if it were now), then the second part is ingested twice into copies of that
database: once without the after-store hook, once with it (`atdesk.worker.wire()`'s hook),
timing the hook itself too. SQLite only (the hook's reads and writes are a few statements per
batch on either database).

Run: .venv/bin/python bench/bench_issues.py [--data DIR]
Prints markdown lines; copy them into docs/benchmarks.md with the date.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from atdesk.config import Settings
from atdesk.insights.issues.live import join_open_issues
from atdesk.insights.issues.rebuild import rebuild_issues
from atdesk.models import Post
from atdesk.pipeline import runner
from atdesk.pipeline.ingest import ingest_file
from atdesk.storage.engine import get_engine
from atdesk.storage.migrate import upgrade
from atdesk.storage.session import transaction


def twcs_time(text: str) -> datetime:
    """A twcs created_at ("Tue Oct 31 22:10:47 +0000 2017"), aware."""
    return datetime.strptime(text, "%a %b %d %H:%M:%S %z %Y")


def split(source: Path, into: Path) -> tuple[Path, Path]:
    """The replay's rows before and after its median time, as two files."""
    with source.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    times = sorted(twcs_time(r["created_at"]) for r in rows)
    middle = times[len(times) // 2]
    parts = (into / "first.csv", into / "second.csv")
    for path, keep in zip(parts, (True, False), strict=True):
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(r for r in rows if (twcs_time(r["created_at"]) < middle) == keep)
    return parts


def ingest(url: str, path: Path) -> tuple[float, int]:
    """Seconds to ingest a file, and posts stored."""
    started = time.perf_counter()
    report = ingest_file(path, url, warn=lambda _: None)
    seconds = time.perf_counter() - started
    get_engine(url).dispose()
    return seconds, report.pipeline.stored


def main() -> None:
    """Run and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default=os.environ.get("ATDESK_DATA_DIR", Settings().data_dir))
    args = parser.parse_args()
    source = Path(args.data) / "twcs" / "twcs_merged.csv"
    if not source.is_file():
        raise SystemExit(f"{source} not found; pass --data or set ATDESK_DATA_DIR")
    print(
        f"# {datetime.now(UTC):%Y-%m-%d} {platform.machine()}, {os.cpu_count()} cores,"
        f" {platform.python_version()}, load average {os.getloadavg()[0]:.1f}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        first, second = split(source, Path(tmp))
        base = f"sqlite:///{tmp}/base.db"
        upgrade(base)
        seconds, stored = ingest(base, first)
        print(f"first half: {stored} posts ingested in {seconds:.1f} s")
        with transaction(base) as session:
            newest = session.scalar(select(func.max(Post.created_at)))
        assert newest is not None
        started = time.perf_counter()
        results = rebuild_issues(base, now=newest)
        seconds = time.perf_counter() - started
        posts = sum(r.posts for r in results)
        print(
            f"rebuild: {sum(r.issues for r in results)} issues from {posts} posts of"
            f" {len(results)} brands in {seconds:.1f} s"
        )
        get_engine(base).dispose()
        with transaction(base) as session:
            grouped = session.scalar(select(func.count()).where(Post.issue_id.is_not(None))) or 0
        spent = [0.0]

        def timed(session: object, posts: list[runner.StoredInbound]) -> object:
            started = time.perf_counter()
            try:
                return join_open_issues(session, posts)  # type: ignore[arg-type]
            finally:
                spent[0] += time.perf_counter() - started

        print("| second half | posts | seconds | posts/s | in the hook |")
        print("|---|---|---|---|---|")
        for run, hooked in enumerate((False, True, False, True)):
            copy = Path(tmp) / f"copy-{run}.db"
            shutil.copy(Path(tmp) / "base.db", copy)
            url = f"sqlite:///{copy}"
            runner.AFTER_STORE[:] = [timed] if hooked else []
            spent[0] = 0.0
            seconds, stored = ingest(url, second)
            with transaction(url) as session:
                total = session.scalar(select(func.count()).where(Post.issue_id.is_not(None)))
            joined = (total or 0) - grouped
            get_engine(url).dispose()
            label = "with the hook" if hooked else "without"
            print(
                f"| {label} | {stored} | {seconds:.1f} | {stored / seconds:,.0f} |"
                f" {spent[0]:.2f} s ({joined} posts joined issues) |"
            )
            copy.unlink()


if __name__ == "__main__":
    main()
