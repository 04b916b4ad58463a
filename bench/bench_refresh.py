"""The report-facts refresh after a busy live minute: the cost of a pass per changed case.

Run: PYTHONPATH=src:. .venv/bin/python bench/bench_refresh.py [--cases 40000] [--new 18000]
        [--touched 3000] [--database-url URL] [--profile]

Data: bench_reports' synthetic cases (20 brands, teams, agents), all opened within three hours
of one day, so each brand's day and week cells hold thousands of cases, as a day of live
traffic does; `rebuild` computes their facts. Then a minute passes: the newest `--new` cases
and `--touched` older ones are resolved and answered (a new reply post each), and one
`refresh` brings the facts and the case rollups up to date: its time is printed, with the
cases it computed (copy it into docs/benchmarks.md, ## Live).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import platform
import pstats
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench import bench_reports
from sqlalchemy import func, insert, select, update

from atdesk.models import Case, Post
from atdesk.reports.facts import rebuild, refresh
from atdesk.storage.migrate import upgrade
from atdesk.storage.session import transaction

DAY = datetime(2026, 12, 8, 6, tzinfo=UTC)
SPREAD_S = 3 * 3600


class Squeezed(random.Random):
    """bench_reports' generator with the 60 days of openings squeezed into three hours."""

    def uniform(self, a: float, b: float) -> float:
        return super().uniform(a, SPREAD_S if b == 60 * 86400 else b)


def busy_minute(url: str, new: int, touched: int, rng: random.Random) -> None:
    """The newest `new` cases and `touched` others resolved, each with a new reply post."""
    now = DAY + timedelta(seconds=SPREAD_S + 60)
    with transaction(url) as session:
        top = int(session.scalar(select(func.max(Case.id))) or 0)
        ids = list(range(top - new + 1, top + 1)) + rng.sample(range(1, top - new), touched)
        for start in range(0, len(ids), 500):
            session.execute(
                update(Case)
                .where(Case.id.in_(ids[start : start + 500]))
                .values(updated_at=now, status="resolved", resolved_at=now, resolved_by="agent1")
            )
        post_id = int(session.scalar(select(func.max(Post.id))) or 0)
        session.execute(
            insert(Post),
            [
                {"id": post_id + n, "network": "x", "native_id": f"m{post_id + n}",
                 "conversation_id": cid, "case_id": cid, "brand_id": 1, "author_id": 1,
                 "text": "sorted", "created_at": now, "inbound": False}
                for n, cid in enumerate(ids, start=1)
            ],
        )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=40_000, help="cases of the day before")
    parser.add_argument("--new", type=int, default=18_000, help="cases opened in the minute")
    parser.add_argument("--touched", type=int, default=3_000, help="older cases changed")
    parser.add_argument("--database-url", help="an empty database (default: a SQLite file)")
    parser.add_argument("--profile", action="store_true", help="print cProfile's top calls")
    args = parser.parse_args()
    bench_reports.START = DAY
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'refresh.db'}"
        print(f"# {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPU cores, "
              f"load average {os.getloadavg()[0]:.2f}, Python {platform.python_version()}, "
              f"{url.split(':')[0]}")  # fmt: skip
        upgrade(url)
        rng = Squeezed(3)
        bench_reports.seed(url, args.cases + args.new, rng)
        started = time.perf_counter()
        rebuild(url)
        print(f"rebuild of {args.cases + args.new} cases: {time.perf_counter() - started:.1f} s")
        busy_minute(url, args.new, args.touched, rng)
        profile = cProfile.Profile() if args.profile else None
        started = time.perf_counter()
        if profile:
            profile.enable()
        report = refresh(url)
        if profile:
            profile.disable()
        took = time.perf_counter() - started
        print(
            f"refresh after the minute: {report.computed} cases computed in {took:.1f} s "
            f"({took * 1000 / max(1, report.computed):.2f} ms per case)"
        )
        if profile:
            pstats.Stats(profile).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
