"""Reports at scale: rebuilding case_facts for N synthetic cases and answering the report
queries a page or the API makes (summary, breakdowns, chart data, drill) over all of them.

Run: .venv/bin/python bench/bench_reports.py [--cases 100000] [--database-url URL]
Prints one line per measurement; copy them into docs/benchmarks.md (## Reports).

Data: 20 brands, cases spread over 60 days, each with one or two customer posts, 80 % answered
after a log-normal delay (median ~20 min), 60 % resolved, 10 % reopened, 5 teams, 30 agents,
8 intents, three networks; written straight into the tables (no pipeline), then
`reports.facts.rebuild` computes the facts as the worker would.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from atdesk.models import AuditEvent, Author, Brand, Case, Conversation, Post, Team, User
from atdesk.reports import cache, metrics
from atdesk.reports.facts import rebuild, refresh
from atdesk.reports.scope import ReportScope
from atdesk.storage.migrate import upgrade
from atdesk.storage.session import transaction

START = datetime(2026, 9, 1, tzinfo=UTC)
INTENTS = ["billing", "delivery", "outage", "account", "refund", "praise", "question", "other"]
NETWORKS = ["x", "mastodon", "bluesky"]


def seed(url: str, cases: int, rng: random.Random) -> None:
    """Brands, teams, agents and `cases` cases with their posts, in a few bulk inserts."""
    with transaction(url) as session:
        session.execute(insert(Brand), [{"id": b, "name": f"Brand {b}"} for b in range(1, 21)])
        session.execute(insert(Team), [{"id": t, "name": f"Team {t}"} for t in range(1, 6)])
        session.execute(
            insert(User),
            [
                {"id": u, "username": f"agent{u}", "role": "agent", "password_hash": "x"}
                for u in range(1, 31)
            ],
        )
        session.execute(
            insert(Author),
            [
                {"id": a, "network": "x", "native_id": str(a), "handle": f"c{a}"}
                for a in range(1, 1001)
            ],
        )
    post_id = 0
    for chunk_start in range(0, cases, 10_000):
        conversations, case_rows, posts, audits = [], [], [], []
        for cid in range(chunk_start + 1, min(cases, chunk_start + 10_000) + 1):
            opened = START + timedelta(seconds=rng.uniform(0, 60 * 86400))
            brand = rng.randint(1, 20)
            network = rng.choice(NETWORKS)
            answered = rng.random() < 0.8
            reply_at = (
                opened + timedelta(seconds=rng.lognormvariate(7.1, 1.3)) if answered else None
            )
            resolved = answered and rng.random() < 0.75
            resolved_at = (
                reply_at + timedelta(hours=rng.uniform(0.1, 30)) if resolved and reply_at else None
            )
            conversations.append(
                {"id": cid, "network": network, "brand_id": brand, "started_at": opened,
                 "last_post_at": reply_at or opened}
            )  # fmt: skip
            case_rows.append(
                {
                    "id": cid, "brand_id": brand, "conversation_id": cid,
                    "customer_author_id": rng.randint(1, 1000),
                    "status": "resolved" if resolved_at else ("pending" if answered else "open"),
                    "network": network, "intent": rng.choice(INTENTS), "opened_at": opened,
                    "resolved_at": resolved_at, "resolved_by": "agent1" if resolved_at else None,
                    "team_id": rng.randint(1, 5), "assignee_id": rng.randint(1, 30),
                    "first_response_at": reply_at,
                }
            )  # fmt: skip
            sentiment = rng.choice(["negative", "neutral", "positive", "negative"])
            for n in range(rng.choice([1, 1, 2])):
                post_id += 1
                posts.append(
                    {
                        "id": post_id, "network": network, "native_id": f"p{post_id}",
                        "conversation_id": cid, "case_id": cid, "brand_id": brand,
                        "author_id": rng.randint(1, 1000), "text": "help",
                        "created_at": opened + timedelta(minutes=n), "inbound": True,
                        "intent": case_rows[-1]["intent"], "sentiment": sentiment,
                    }
                )  # fmt: skip
            if reply_at is not None:
                post_id += 1
                posts.append(
                    {
                        "id": post_id, "network": network, "native_id": f"p{post_id}",
                        "conversation_id": cid, "case_id": cid, "brand_id": brand,
                        "author_id": 1, "text": "on it", "created_at": reply_at, "inbound": False,
                    }
                )  # fmt: skip
            if resolved_at is not None and rng.random() < 0.1:
                audits.append(
                    {"entity_type": "case", "entity_id": cid, "action": "case.reopened",
                     "actor": "pipeline", "at": resolved_at}
                )  # fmt: skip
        with transaction(url) as session:
            session.execute(insert(Conversation), conversations)
            session.execute(insert(Case), case_rows)
            session.execute(insert(Post), posts)
            if audits:
                session.execute(insert(AuditEvent), audits)


def timed(label: str, call: Callable[[], Any], runs: int = 5) -> None:
    """Median wall time of a few computed runs (cache emptied first) and of remembered ones."""
    cold, warm = [], []
    for _ in range(runs):
        cache.invalidate()
        started = time.perf_counter()
        call()
        cold.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        call()
        warm.append((time.perf_counter() - started) * 1000)
    print(
        f"  {label:<44} computed {statistics.median(cold):7.1f} ms,"
        f" remembered {statistics.median(warm):6.2f} ms (medians of {runs})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--database-url", help="an empty database (default: a SQLite file)")
    parser.add_argument("--reuse", help="a SQLite file seeded by an earlier run (kept)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(args.reuse or Path(tmp) / 'bench.db')}"
        print(f"{platform.python_version()} on {os.cpu_count()} cores, {url.split(':')[0]}")
        if not (args.reuse and Path(args.reuse).exists()):
            upgrade(url)
            rng = random.Random(14)
            started = time.perf_counter()
            seed(url, args.cases, rng)
            print(f"seeded {args.cases} cases in {time.perf_counter() - started:.1f} s")
            started = time.perf_counter()
            report = rebuild(url)
            print(f"rebuild: {report.computed} cases in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        refresh(url)
        print(f"refresh with nothing changed: {(time.perf_counter() - started) * 1000:.0f} ms")
        now = START + timedelta(days=61)
        every = ReportScope(None)
        one = ReportScope((7,))
        month = ReportScope(
            None, since=START + timedelta(days=30), until=START + timedelta(days=60)
        )
        with transaction(url) as s:
            timed("summary, every brand", lambda: metrics.summarize(s, every, now=now))
            timed("summary, one brand", lambda: metrics.summarize(s, one, now=now))
            timed("summary, every brand, 30 days", lambda: metrics.summarize(s, month, now=now))
            timed(
                "summary, one team",
                lambda: metrics.summarize(s, ReportScope(None, team_id=2), now=now),
            )
            for by in ("brand", "intent", "agent", "week", "day"):
                timed(
                    f"breakdown by {by}, every brand",
                    lambda by=by: metrics.breakdown(s, every, by, now=now),
                )  # type: ignore[misc]
            timed(
                "series by intent per day",
                lambda: metrics.volume_series(s, every, by="intent", bucket="day"),
            )
            timed(
                "distribution, first response (business)",
                lambda: metrics.distribution(s, every, "first_response", business_hours=True),
            )
            timed("busiest hours", lambda: metrics.busiest_hours(s, every))
            timed(
                "drill sla_missed, one brand",
                lambda: metrics.drill(s, one, metric="sla_missed", now=now),
            )
        print(f"measured {datetime.now(UTC):%Y-%m-%d}")


if __name__ == "__main__":
    main()
