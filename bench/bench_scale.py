"""Scale-out: 1, 2 and 4 `atdesk worker` processes on PostgreSQL + Redis Streams, one live replay.

The twcs posts are re-timed to now and re-id'd (round r adds r * 10^7 to every id, so 100,000
posts are two and a half copies of the 37,714-post file that never collide), then published to
the inbound stream the way a connector does (`bus.publish` in a transaction, 500 per batch).
The clock runs from the first publish until the inbound and case-events streams are empty: the
whole pipeline and the automate stage, as live traffic gets them. CPU seconds of the workers,
PostgreSQL (postmaster and backends) and Redis are read from /proc over the same span.

Run (private servers on ports 55604/56604, never the shared test servers):
  PYTHONPATH=src:. .venv/bin/python bench/bench_scale.py [--posts 100000] [--workers 1,2,4]
Prints one line per worker count; copy the table into docs/benchmarks.md "## Scale-out".
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import redis
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from tests.faults.cluster import Servers, Workers, children_of, cpu_seconds, publish_live

from atdesk.brands.service import ensure_brand_accounts
from atdesk.channels.replay.twcs import read_twcs
from atdesk.config import Settings
from atdesk.domain.networks import Network
from atdesk.domain.posts import RawEvent
from atdesk.models import Case, Post
from atdesk.pipeline.bus import CASE_EVENTS, INBOUND
from atdesk.pipeline.redis_bus import RedisBus
from atdesk.storage.engine import get_engine
from atdesk.storage.migrate import upgrade
from atdesk.storage.session import transaction

ID_STRIDE = 10_000_000  # above every twcs tweet id
TWCS_TIME = "%a %b %d %H:%M:%S +0000 %Y"


def twcs_rows(data_dir: Path) -> list[dict[str, str]]:
    """The good rows of the twcs file, in file order."""
    path = data_dir / "twcs" / "twcs_merged.csv"
    with path.open(encoding="utf-8", newline="") as stream:
        return [
            e.payload for e in read_twcs(stream, warn=lambda _: None) if isinstance(e, RawEvent)
        ]


def _shift(value: str, offset: int) -> str:
    ids = [part.strip().removesuffix(".0") for part in value.split(",") if part.strip()]
    return ",".join(str(int(i) + offset) for i in ids)


def live_replay(rows: list[dict[str, str]], posts: int, now: datetime) -> Iterator[RawEvent]:
    """`posts` events: the rows again and again, each copy with its own ids, all dated now."""
    stamp = now.strftime(TWCS_TIME)
    made = 0
    round_ = 0
    while made < posts:
        offset = round_ * ID_STRIDE
        for row in rows:
            if made == posts:
                return
            payload = dict(row)
            payload["created_at"] = stamp
            for column in ("tweet_id", "response_tweet_id", "in_response_to_tweet_id"):
                payload[column] = _shift(payload.get(column) or "", offset)
            yield RawEvent(source="twcs", payload=payload, line=None)
            made += 1
        round_ += 1


class Cpu:
    """CPU seconds used by the workers, PostgreSQL and Redis since `start()`."""

    def __init__(self, servers: Servers, workers: Workers) -> None:
        self.servers = servers
        self.workers = workers
        self.before: dict[str, float] = {}

    def _now(self) -> dict[str, float]:
        pids = self.servers.pids()
        postgres = sum(
            cpu_seconds(p, children=True) + sum(cpu_seconds(c) for c in children_of(p))
            for p in pids["postgres"]
        )
        return {
            "workers": sum(cpu_seconds(p.pid) for p in self.workers.processes),
            "postgres": postgres,
            "redis": sum(cpu_seconds(p) for p in pids["redis"]),
        }

    def start(self) -> None:
        self.before = self._now()

    def used(self) -> dict[str, float]:
        after = self._now()
        return {k: after[k] - self.before.get(k, 0.0) for k in after}


def add_brands(url: str, rows: list[dict[str, str]]) -> int:
    """The companies of the file as working brands (a live desk has its brands set up)."""
    handles = {r["author_id"] for r in rows if r.get("inbound", "").strip().lower() == "false"}
    with transaction(url) as session:
        return ensure_brand_accounts(session, Network.X, handles)


def run(
    servers: Servers,
    template: str,
    rows: list[dict[str, str]],
    events: list[RawEvent],
    count: int,
    logs: Path,
) -> dict[str, float]:
    """One measured replay with `count` workers on a fresh database and an empty Redis."""
    url = servers.new_database(template)
    add_brands(url, rows)
    client = redis.Redis.from_url(servers.redis_url)
    client.flushdb()
    bus = RedisBus(servers.redis_url, url, consumer="bench-publisher")
    bus.pending(INBOUND)  # the group exists before the workers look
    bus.pending(CASE_EVENTS)
    workers = Workers(url, servers.redis_url, logs / f"w{count}", reclaim_idle_ms=60_000)
    workers.log_dir.mkdir(parents=True, exist_ok=True)
    try:
        workers.start(count)
        workers.wait_consuming()
        cpu = Cpu(servers, workers)
        cpu.start()
        started = time.perf_counter()
        publish_live(bus, url, events, batch=500)
        published = time.perf_counter() - started
        while bus.pending(INBOUND) or bus.pending(CASE_EVENTS):
            if not workers.alive():
                raise RuntimeError(f"every worker died\n{workers.logs()}")
            time.sleep(0.25)
        elapsed = time.perf_counter() - started
        used = cpu.used()
        with transaction(url) as session:
            stored = int(session.scalar(select(func.count()).select_from(Post)) or 0)
            cases = int(session.scalar(select(func.count()).select_from(Case)) or 0)
    finally:
        workers.stop()
        get_engine(url).dispose()
        servers.drop_database(url)
    return {
        "workers": count,
        "seconds": elapsed,
        "published_s": published,
        "posts_per_s": len(events) / elapsed,
        "stored": stored,
        "cases": cases,
        **{f"cpu_{k}": v for k, v in used.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--workers", default="1,2,4", help="worker counts, comma-separated")
    parser.add_argument("--logs", type=Path, help="keep the workers' logs here")
    args = parser.parse_args()
    counts = [int(c) for c in args.workers.split(",")]
    data_dir = Path(os.environ.get("ATDESK_DATA_DIR") or Settings().data_dir)
    rows = twcs_rows(data_dir)
    now = datetime.now(UTC)
    events = list(live_replay(rows, args.posts, now))
    servers = Servers.from_env()
    if not servers.start():
        raise SystemExit("PostgreSQL and Redis must be installed (scripts/test-services)")
    try:
        template_url = servers.new_database()
        upgrade(template_url)
        get_engine(template_url).dispose()
        template = make_url(template_url).database
        assert template is not None
        print(
            f"# {platform.node()} {os.cpu_count()} CPU cores, load {os.getloadavg()}, "
            f"{len(events)} posts, {now:%Y-%m-%d}"
        )
        results = []
        with tempfile.TemporaryDirectory() as scratch:
            for count in counts:
                result = run(servers, template, rows, events, count, args.logs or Path(scratch))
                results.append(result)
                print(
                    f"{count} worker(s): {result['seconds']:.1f} s, "
                    f"{result['posts_per_s']:.0f} posts/s (published in "
                    f"{result['published_s']:.1f} s), {result['stored']} posts "
                    f"{result['cases']} cases; CPU s workers {result['cpu_workers']:.0f} "
                    f"postgres {result['cpu_postgres']:.0f} redis {result['cpu_redis']:.1f}; "
                    f"load {os.getloadavg()[0]:.1f}",
                    flush=True,
                )
        base = results[0]["posts_per_s"]
        for result in results[1:]:
            print(
                f"{int(result['workers'])} vs {int(results[0]['workers'])}: "
                f"{result['posts_per_s'] / base:.2f}x"
            )
        servers.drop_database(template_url)
    finally:
        servers.stop()


if __name__ == "__main__":
    main()
