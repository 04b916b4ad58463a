"""The automate stage alone: fresh posts of seven kinds, each its own case, through the
default rules, timed around `automate_posts` in the worker's batch size, SQLite and PostgreSQL.

Run: PYTHONPATH=src:. .venv/bin/python bench/bench_automate.py [--posts 2000] [--batch 100]
     [--postgres URL]
Prints posts/s and SQL statements per post for each backend; copy into docs/benchmarks.md
("### The automate stage") with the date and the load average.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.bench_ingest import drop_postgres, fresh_postgres
from sqlalchemy import event, select

import atdesk.worker  # registers every action, reply handler and job kind
from atdesk.automations.engine.stage import automate_posts
from atdesk.brands.service import create_brand
from atdesk.config import Settings
from atdesk.domain.networks import Network
from atdesk.domain.posts import RawEvent
from atdesk.domain.triage import Intent, TriageInput, TriageResult
from atdesk.models import Post
from atdesk.pipeline.runner import process_events
from atdesk.storage.engine import get_engine
from atdesk.storage.migrate import upgrade
from atdesk.storage.session import transaction
from atdesk.triage.baseline import RulesTriager

assert atdesk.worker.KINDS

# Seven kinds: callback requests from unknown customers, reschedules, field reports, questions,
# billing, praise, app crashes; all but praise and crashes make a default rule act.
TEXTS = (
    "@acmehelp please call me back about my account, call me on 415 555 01{n:02d}",
    "@acmehelp I need to reschedule my appointment, can we move it to another day?",
    "@acmehelp pothole on Elm St {n}, a car lost a wheel there",
    "@acmehelp how do I reset my password?",
    "@acmehelp I was charged twice on my bill, please refund the payment",
    "@acmehelp thanks, great service, you are the best!",
    "@acmehelp the app crashes every time I open it",
)


class SureRulesTriager(RulesTriager):
    """The keyword triager, sure of every intent it names (the stage acts, not holds)."""

    def triage(self, item: TriageInput) -> TriageResult:
        result = super().triage(item)
        if result.intent != Intent.OTHER:
            result.intent_confidence = 0.95
        return result


def payloads(count: int, now: datetime) -> list[dict[str, Any]]:
    """One post per customer, a minute old, the kinds in turn."""
    out = []
    for n in range(count):
        post: dict[str, Any] = {
            "network": "x",
            "id": f"9{n:09d}",
            "text": TEXTS[n % len(TEXTS)].format(n=n % 100),
            "created_at": (now - timedelta(minutes=1)).isoformat(),
            "author": {"id": f"8{n:09d}", "handle": f"cust{n}", "name": f"Customer {n}"},
        }
        if n % len(TEXTS) == 2:
            post["coordinates"] = [37.77, -122.42]
        out.append(post)
    return out


def measure(url: str, posts: int, batch: int) -> tuple[float, float, dict[str, int]]:
    """Posts per second and statements per post through automate_posts alone."""
    upgrade(url)
    settings = Settings(
        database_url=url,
        data_dir=os.environ.get("ATDESK_DATA_DIR", "data"),
        secret_key=uuid.uuid4().hex,
    )
    now = datetime.now(UTC)
    with transaction(url) as session:
        create_brand(session, "Acme", [(Network.X, "acmehelp", "1100000000")])
    events = [RawEvent(source="jsonl", payload=p) for p in payloads(posts, now)]
    triager = SureRulesTriager()
    for start in range(0, len(events), 500):
        with transaction(url) as session:
            process_events(session, events[start : start + 500], triager=triager)
    with transaction(url) as session:
        ids = list(session.scalars(select(Post.id).where(Post.inbound).order_by(Post.id)))
    statements = 0

    def count(*_: Any) -> None:
        nonlocal statements
        statements += 1

    engine = get_engine(url)
    event.listen(engine, "before_cursor_execute", count)
    handled: dict[str, int] = {}
    started = time.perf_counter()
    for start in range(0, len(ids), batch):
        with transaction(url) as session:
            for run in automate_posts(
                session, ids[start : start + batch], settings=settings, now=now
            ):
                handled[run.handled_by] = handled.get(run.handled_by, 0) + 1
    elapsed = time.perf_counter() - started
    event.remove(engine, "before_cursor_execute", count)
    engine.dispose()
    return len(ids) / elapsed, statements / len(ids), handled


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=100, help="the worker's case-events batch")
    parser.add_argument("--postgres", default=os.environ.get("ATDESK_TEST_POSTGRES_URL"))
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    print(
        f"# {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPU cores, "
        f"load average {os.getloadavg()[0]:.2f}, Python {platform.python_version()}"
    )
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            rate, per_post, handled = measure(
                f"sqlite:///{Path(tmp) / 'auto.db'}", args.posts, args.batch
            )
        print(f"SQLite: {rate:.0f} posts/s, {per_post:.1f} statements/post, {handled}")
    if args.postgres:
        name, url = fresh_postgres(args.postgres)
        try:
            rate, per_post, handled = measure(url, args.posts, args.batch)
        finally:
            drop_postgres(args.postgres, name)
        print(f"PostgreSQL: {rate:.0f} posts/s, {per_post:.1f} statements/post, {handled}")


if __name__ == "__main__":
    main()
