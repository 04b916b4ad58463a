"""Arrival to inbox under a steady load: signed X webhook deliveries at R posts/s for D seconds.

Starts the server as a subprocess (`atdesk serve` with its embedded workers on a fresh SQLite
file, or `atdesk serve --no-workers` plus N `atdesk worker` processes on a fresh PostgreSQL
database and Redis), with one brand and its X account and ATDESK_X_CONSUMER_SECRET set. The
driver sends one signed Account Activity delivery per post (a new customer each, so a new
case each) on a schedule of R per second, over a small pool of keep-alive connections on
asyncio (hand-written HTTP/1.1: the driver must keep the rate on a 2-core machine beside the
server). A watcher thread reads the database the cases API reads, every 20 ms, and notes when
each post is stored in a case: that is when the inbox (and its live stream, on its next tick)
can show it. Latency is from the moment the request was written to that moment.

Run: PYTHONPATH=src:. .venv/bin/python bench/bench_live.py [--rate 500] [--seconds 300]
        [--postgres ADMIN_URL --redis URL --workers 2]
Prints the percentiles, the sustained rate, timeouts and 429/5xx counts, and the driver's
own lag behind its schedule (if it is large, the driver, not the server, set the pace).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import platform
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from base64 import b64encode
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from bench.bench_ingest import drop_postgres, fresh_postgres
from sqlalchemy import create_engine, text

from atdesk.brands.service import create_brand
from atdesk.domain.networks import Network
from atdesk.storage.engine import normalise_url
from atdesk.storage.migrate import upgrade
from atdesk.storage.session import transaction

SECRET = "bench-consumer-secret"  # noqa: S105 (the bench's own throwaway app secret)
BRAND_HANDLE = "CityWorksHelp"
BRAND_USER_ID = "1200000000"
REQUEST_TIMEOUT_S = 10.0
STARTUP_S = 300.0  # imports and model loading on a busy 2-core machine
# The seven kinds of the automate stage's benchmark: most make the default rules act.
TEXTS = (
    "@CityWorksHelp please call me back about my account, my number is 555-01{n:02d}",
    "@CityWorksHelp I need to reschedule my appointment on Thursday, can we move it?",
    "@CityWorksHelp streetlight out on Elm St {n} again, been dark for a week",
    "@CityWorksHelp how do I reset my password? the link never arrives",
    "@CityWorksHelp I was charged twice on my bill this month, please refund",
    "@CityWorksHelp thanks, the crew fixed it fast, great service!",
    "@CityWorksHelp the app crashes every time I open the map screen",
)


@dataclass
class Sample:
    """One post: when it was due, when its request was written, answered, and seen stored."""

    due: float
    sent: float = 0.0
    answered: float = 0.0
    status: int = 0
    seen: float = 0.0


@dataclass
class Run:
    """Every post of a run by native id, and what went wrong on the wire."""

    samples: dict[str, Sample] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)


def free_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def signature(body: bytes) -> str:
    """X's delivery signature: base64 HMAC-SHA256 of the raw body (PROTOCOLS.md)."""
    return "sha256=" + b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()


def delivery(native_id: str, n: int) -> bytes:
    """One Account Activity delivery carrying one customer's mention of the brand, now."""
    author = "7" + native_id[-12:]  # a new customer per post, so a new case per post
    created = datetime.now(UTC).strftime("%a %b %d %H:%M:%S +0000 %Y")
    tweet = {
        "created_at": created,
        "id": int(native_id),
        "id_str": native_id,
        "text": TEXTS[n % len(TEXTS)].format(n=n % 100),
        "truncated": False,
        "user": {
            "id": int(author),
            "id_str": author,
            "name": f"Customer {n}",
            "screen_name": f"cust{n}",
            "followers_count": 10 + n % 500,
            "verified": False,
        },
        "entities": {
            "hashtags": [],
            "urls": [],
            "symbols": [],
            "user_mentions": [
                {"screen_name": BRAND_HANDLE, "id_str": BRAND_USER_ID, "indices": [0, 14]}
            ],
        },
        "lang": "en",
        "timestamp_ms": str(int(time.time() * 1000)),
    }
    return json.dumps({"for_user_id": BRAND_USER_ID, "tweet_create_events": [tweet]}).encode()


async def _connection(port: int, queue: asyncio.Queue[tuple[str, int] | None], run: Run) -> None:
    """One keep-alive connection sending deliveries from the queue, one at a time."""
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    while (item := await queue.get()) is not None:
        native_id, n = item
        sample = run.samples[native_id]
        body = delivery(native_id, n)
        head = (
            f"POST /webhooks/x HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\n"
            f"content-type: application/json\r\ncontent-length: {len(body)}\r\n"
            f"x-twitter-webhooks-signature: {signature(body)}\r\n\r\n"
        ).encode()
        for attempt in (1, 2):
            fresh = writer is None or reader is None
            try:
                if writer is None or reader is None:
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                sample.sent = time.monotonic()
                writer.write(head + body)
                await writer.drain()
                sample.status = await asyncio.wait_for(_response(reader), REQUEST_TIMEOUT_S)
                sample.answered = time.monotonic()
                break
            except TimeoutError:
                run.errors["timeout"] += 1
                writer = _close(writer)  # its answer may still come: never read it as the next
                break
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                writer = _close(writer)
                if fresh or attempt == 2:  # else the server closed an idle keep-alive: again
                    run.errors[type(exc).__name__] += 1
                    break
            finally:
                reader = None if writer is None else reader


def _close(writer: asyncio.StreamWriter | None) -> asyncio.StreamWriter | None:
    """Drop a connection that cannot carry another request (None: the one to use next)."""
    if writer is not None:
        writer.close()
    return None


async def _response(reader: asyncio.StreamReader) -> int:
    """Read one HTTP/1.1 response with a content-length body; return its status."""
    status_line = await reader.readline()
    if not status_line:
        raise asyncio.IncompleteReadError(b"", None)
    status = int(status_line.split()[1])
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    if length:
        await reader.readexactly(length)
    return status


async def drive(port: int, rate: float, seconds: float, connections: int, run: Run) -> float:
    """Send rate*seconds deliveries on schedule; returns the seconds it took to send them."""
    queue: asyncio.Queue[tuple[str, int] | None] = asyncio.Queue()
    workers = [asyncio.create_task(_connection(port, queue, run)) for _ in range(connections)]
    total = int(rate * seconds)
    base = 1_990_000_000_000_000_000 + random.randrange(10**12) * 1000
    started = time.monotonic()
    for n in range(total):
        due = started + n / rate
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        native_id = str(base + n)
        run.samples[native_id] = Sample(due=due)
        queue.put_nowait((native_id, n))
    for _ in workers:
        queue.put_nowait(None)
    await asyncio.gather(*workers)
    return time.monotonic() - started


def watch(url: str, run: Run, stop: threading.Event, every_s: float = 0.02) -> None:
    """Note when each post is stored in a case (committed: what the cases API would list)."""
    engine = create_engine(normalise_url(url))
    last = 0
    try:
        while not stop.is_set():
            with engine.connect() as conn:
                rows = conn.execute(
                    text(
                        "SELECT id, native_id FROM posts WHERE id > :after"
                        " AND case_id IS NOT NULL AND inbound ORDER BY id"
                    ),
                    {"after": max(0, last - 2000)},  # two workers commit out of id order
                ).all()
            now = time.monotonic()
            for row_id, native_id in rows:
                last = max(last, row_id)
                sample = run.samples.get(native_id)
                if sample is not None and not sample.seen:
                    sample.seen = now
            stop.wait(every_s)
    finally:
        engine.dispose()


def prepare_database(url: str) -> None:
    """The schema and one brand with its X account."""
    upgrade(url)
    with transaction(url) as session:
        create_brand(session, "City Works", [(Network.X, BRAND_HANDLE, BRAND_USER_ID)])


def start_server(url: str, redis: str | None, workers: int, port: int, log: Path) -> list[Any]:
    """`atdesk serve` (embedded workers unless Redis) and any `atdesk worker` processes."""
    env = {
        **os.environ,
        "ATDESK_DATABASE_URL": url,
        "ATDESK_X_CONSUMER_SECRET": SECRET,
        "ATDESK_SECRET_KEY": uuid.uuid4().hex,
    }
    env.pop("ATDESK_REDIS_URL", None)
    if redis:
        env["ATDESK_REDIS_URL"] = redis
    cli = [sys.executable, "-m", "atdesk.cli"]
    out = log.open("ab")
    procs = [
        subprocess.Popen(
            [*cli, "serve", "--port", str(port)], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    ]
    for _ in range(workers if redis else 0):
        procs.append(subprocess.Popen([*cli, "worker"], env=env, stdout=out, stderr=out))
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return procs
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    stop_server(procs)
    raise SystemExit(f"the server did not answer /healthz in {STARTUP_S:g} s; see {log}")


def cpu_seconds(procs: list[Any]) -> float:
    """User + system CPU the server's processes and their children (the embedded workers'
    process, ADR 106) have used so far (Linux /proc)."""
    stats: dict[int, list[str]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            stats[int(stat.parent.name)] = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
    pids = {proc.pid for proc in procs}
    pids |= {pid for pid, fields in stats.items() if int(fields[1]) in pids}
    ticks = sum(int(stats[pid][11]) + int(stats[pid][12]) for pid in pids if pid in stats)
    return ticks / os.sysconf("SC_CLK_TCK")


def stop_server(procs: list[Any]) -> None:
    """Interrupt every process and wait for it."""
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) of a non-empty list."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def report(label: str, run: Run, rate: float, seconds: float, sending_s: float) -> str:
    """One line per run: latencies, rates, and what went wrong."""
    samples = list(run.samples.values())
    statuses = Counter(s.status for s in samples if s.status)
    accepted = [s for s in samples if s.status == 200]
    latencies = [s.seen - s.sent for s in samples if s.seen and s.sent]
    lag = [s.sent - s.due for s in samples if s.sent]
    answer = [s.answered - s.sent for s in samples if s.answered]
    last_seen = max((s.seen for s in samples if s.seen), default=0.0)
    first_due = min((s.due for s in samples), default=0.0)
    missing = len(accepted) - sum(1 for s in accepted if s.seen)
    fmt = "p50 {:.3f} s, p90 {:.3f} s, p99 {:.3f} s, max {:.3f} s"
    parts = [
        f"{label}: {len(samples)} posts at {rate:g}/s for {seconds:g} s",
        "arrival->inbox "
        + (
            fmt.format(*(percentile(latencies, q) for q in (50, 90, 99)), max(latencies))
            if latencies
            else "none seen"
        ),
        "webhook answer "
        + (
            fmt.format(*(percentile(answer, q) for q in (50, 90, 99)), max(answer))
            if answer
            else "-"
        ),
        f"sent in {sending_s:.1f} s (driver lag p99 {percentile(lag, 99) if lag else 0:.3f} s)",
        f"stored {sum(1 for s in samples if s.seen)} "
        f"({sum(1 for s in samples if s.seen) / max(1e-9, last_seen - first_due):.0f}/s sustained)",
        f"statuses {dict(sorted(statuses.items()))}",
        f"429 {statuses.get(429, 0)}, 5xx {sum(v for k, v in statuses.items() if k >= 500)}",
        f"timeouts {run.errors.get('timeout', 0)}, other errors "
        f"{sum(v for k, v in run.errors.items() if k != 'timeout')}",
        f"accepted but never stored {missing}",
    ]
    return "; ".join(parts)


def flush_redis(url: str) -> None:
    """Start from an empty bus (the benchmark's own Redis database)."""
    import redis

    redis.Redis.from_url(url).flushdb()


def warm_up(port: int, run: Run, posts: int = 20) -> None:
    """A few posts first, waited for: the models load on the first batch, not in the run."""
    asyncio.run(drive(port, 10.0, posts / 10.0, 4, run))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not all(s.seen for s in run.samples.values()):
        time.sleep(0.2)
    run.samples.clear()
    run.errors.clear()


def measure(args: argparse.Namespace, rate: float) -> str:
    """One run at one rate on a fresh database: start, drive, drain, stop, report."""
    workdir = Path(tempfile.mkdtemp(prefix="atdesk-live-"))
    pg_name = None
    if args.postgres:
        pg_name, url = fresh_postgres(args.postgres)
        flush_redis(args.redis)
        label = f"PostgreSQL + Redis, {args.workers} workers"
    else:
        url = f"sqlite:///{workdir / 'live.db'}"
        label = "SQLite, embedded workers"
    prepare_database(url)
    port = free_port()
    procs = start_server(
        url, args.redis if args.postgres else None, args.workers, port, workdir / "server.log"
    )
    run = Run()
    stop = threading.Event()
    watcher = threading.Thread(target=watch, args=(url, run, stop), daemon=True)
    watcher.start()
    try:
        warm_up(port, run)
        cpu_before = cpu_seconds(procs)
        sending = asyncio.run(drive(port, rate, args.seconds, args.connections, run))
        deadline = time.monotonic() + args.drain
        while time.monotonic() < deadline and any(
            s.status == 200 and not s.seen for s in run.samples.values()
        ):
            time.sleep(0.2)
        stored = sum(1 for s in run.samples.values() if s.seen)
        cpu = f"server CPU {(cpu_seconds(procs) - cpu_before) * 1000 / max(1, stored):.1f} ms/post"
    finally:
        stop.set()
        watcher.join()
        stop_server(procs)
        if pg_name:
            drop_postgres(args.postgres, pg_name)
        shutil.rmtree(workdir, ignore_errors=True)
    return f"{report(label, run, rate, args.seconds, sending)}; {cpu}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, action="append", help="posts/s (repeatable)")
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--connections", type=int, default=256, help="driver's connection pool")
    parser.add_argument("--drain", type=float, default=60.0, help="seconds to wait after sending")
    parser.add_argument("--postgres", help="admin URL: run on a fresh database there")
    parser.add_argument("--redis", default=os.environ.get("ATDESK_TEST_REDIS_URL"))
    parser.add_argument("--workers", type=int, default=2, help="`atdesk worker` processes (PG)")
    args = parser.parse_args()
    if args.postgres and not args.redis:
        parser.error("--postgres needs --redis (the workers scale out on Redis Streams)")
    print(
        f"# {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPU cores, "
        f"load average {os.getloadavg()[0]:.2f}, Python {platform.python_version()}"
    )
    for rate in args.rate or [500.0]:
        print(measure(args, rate), flush=True)
        print(f"# load average after: {os.getloadavg()[0]:.2f}", flush=True)


if __name__ == "__main__":
    main()
