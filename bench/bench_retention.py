"""Retention pass speed and its longest write transaction (ADR 78, ADR 101), SQLite and PostgreSQL.

Builds N old resolved cases of one brand (two posts each, one customer's and the brand's reply)
with bulk inserts, then runs one anonymise pass and, on a fresh database, one purge pass, timing
every write transaction the pass opens.

Run: PYTHONPATH=src:. .venv/bin/python bench/bench_retention.py [--cases N] [--postgres URL]
Prints one line per backend and mode; copy them into docs/benchmarks.md with the date.
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.bench_ingest import drop_postgres, fresh_postgres
from sqlalchemy import insert

from atdesk.brands.service import create_brand
from atdesk.domain.networks import Network
from atdesk.lifecycle import retention
from atdesk.lifecycle.settings import RetentionMode, RetentionSettings
from atdesk.models import Author, Brand, Case, Conversation, Post
from atdesk.storage.engine import get_engine
from atdesk.storage.migrate import upgrade
from atdesk.storage.session import transaction

T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=400)


def build(url: str, cases: int) -> int:
    """N resolved cases a year old, each with a customer post and the brand's reply."""
    upgrade(url)
    with transaction(url) as session:
        brand = create_brand(session, "Acme", [(Network.X, "acmehelp", "1200000000")])
        brand_id = brand.id
        account = Author(network="x", native_id="1200000000", handle="acmehelp", name="Acme")
        session.add(account)
        session.flush()
        brand_author = account.id
    step = 2000
    for start in range(0, cases, step):
        count = min(step, cases - start)
        with transaction(url) as session:
            at = [T0 + timedelta(minutes=i) for i in range(start, start + count)]
            authors = session.scalars(
                insert(Author).returning(Author.id),
                [
                    {"network": "x", "native_id": f"u{i}", "handle": f"user{i}", "name": f"N {i}"}
                    for i in range(start, start + count)
                ],
            ).all()
            conversations = session.scalars(
                insert(Conversation).returning(Conversation.id),
                [
                    {"network": "x", "brand_id": brand_id, "started_at": t, "last_post_at": t}
                    for t in at
                ],
            ).all()
            case_ids = session.scalars(
                insert(Case).returning(Case.id),
                [
                    {
                        "brand_id": brand_id,
                        "conversation_id": conversation,
                        "customer_author_id": author,
                        "network": "x",
                        "status": "resolved",
                        "subject": "my parcel is lost",
                        "opened_at": t,
                        "last_customer_at": t,
                        "last_agent_at": t + timedelta(minutes=5),
                        "resolved_at": t + timedelta(hours=1),
                        "inbound_count": 1,
                        "outbound_count": 1,
                    }
                    for author, conversation, t in zip(authors, conversations, at, strict=True)
                ],
            ).all()
            rows = []
            for i, (author, conversation, case_id, t) in enumerate(
                zip(authors, conversations, case_ids, at, strict=True), start=start
            ):
                for n, (who, inbound) in enumerate(((author, True), (brand_author, False))):
                    rows.append(
                        {
                            "network": "x",
                            "native_id": f"p{i}-{n}",
                            "conversation_id": conversation,
                            "case_id": case_id,
                            "brand_id": brand_id,
                            "author_id": who,
                            "text": f"@acmehelp my parcel {i} is lost, call me on 555 {i:04d}",
                            "created_at": t + timedelta(minutes=5 * n),
                            "received_at": t + timedelta(minutes=5 * n),
                            "inbound": inbound,
                            "raw": {"id": f"p{i}-{n}", "text": "..."},
                        }
                    )
            session.execute(insert(Post), rows)
    return brand_id


def timed_pass(url: str, brand_id: int, mode: RetentionMode) -> tuple[float, float, int, int]:
    """Seconds for the pass, the longest write transaction (ms; the first transaction of each
    call only reads the ids), and the cases and posts it took."""
    durations: list[list[float]] = []
    real = retention.transaction

    @contextlib.contextmanager
    def timing(database_url: str) -> Iterator[object]:
        started = time.perf_counter()
        with real(database_url) as session:
            yield session
        durations[-1].append(time.perf_counter() - started)

    retention.transaction = timing  # type: ignore[assignment]
    try:
        started = time.perf_counter()
        total_cases = total_posts = 0
        while True:  # a pass takes MAX_PER_PASS cases; the worker's next passes take the rest
            durations.append([])
            report = retention.apply_brand(
                url, brand_id, RetentionSettings(days=90, mode=mode), now=NOW
            )
            assert report is not None
            total_cases += report.cases
            total_posts += report.posts
            if report.cases == 0 and report.posts == 0:
                break
        seconds = time.perf_counter() - started
    finally:
        retention.transaction = real  # type: ignore[assignment]
    longest = max((d for call in durations for d in call[1:]), default=0.0)
    return seconds, longest * 1000, total_cases, total_posts


def run(label: str, make_url: Iterator[str], cases: int) -> None:
    """Both modes on fresh databases of this backend."""
    for mode in (RetentionMode.ANONYMISE, RetentionMode.PURGE):
        url = next(make_url)
        brand_id = build(url, cases)
        seconds, longest_ms, taken, _ = timed_pass(url, brand_id, mode)
        with transaction(url) as session:
            assert session.get(Brand, brand_id) is not None
        get_engine(url).dispose()
        print(
            f"{label:10} {mode.value:9} {taken:>7,} cases in {seconds:6.1f} s "
            f"({taken / seconds:,.0f} cases/s); longest write transaction {longest_ms:.0f} ms"
        )


def main() -> None:
    """Parse the arguments and print the lines."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--postgres", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:

        def sqlite_urls() -> Iterator[str]:
            for n in range(10):
                yield f"sqlite:///{Path(tmp) / f'bench{n}.db'}"

        run("sqlite", sqlite_urls(), args.cases)
    if args.postgres:
        made: list[str] = []

        def pg_urls() -> Iterator[str]:
            while True:
                name, url = fresh_postgres(args.postgres)
                made.append(name)
                yield url

        try:
            run("postgresql", pg_urls(), args.cases)
        finally:
            for name in made:
                drop_postgres(args.postgres, name)


if __name__ == "__main__":
    main()
