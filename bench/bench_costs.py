"""Cost per resolution over a year of resolved cases: how long `resolution_costs` and
`monthly_costs` take (what /costs and the reports ask on every view).

    .venv/bin/python bench/bench_costs.py [--cases 20000] [--rounds 3] [--database-url URL]

A fresh database (SQLite in a temporary folder unless a URL is given; it must be empty) gets
three brands and N resolved cases spread over 12 months, each with three activity intervals,
one paid reply in the spend ledger and one bot decision, plus N/4 open cases with activity
that must be left out. Each round computes the costs of every brand over the year, then per
month; the median round is reported with the CPU time and the load average around it.
Results go to docs/benchmarks.md (section "Costs") with the machine's core count.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from sqlalchemy import insert  # noqa: E402

from atdesk.costs.summary import monthly_costs, resolution_costs  # noqa: E402
from atdesk.models import (  # noqa: E402
    AgentActivity,
    ApiCallRecord,
    Author,
    BotDecision,
    Brand,
    Case,
    Conversation,
    User,
)
from atdesk.storage.migrate import upgrade  # noqa: E402
from atdesk.storage.session import transaction  # noqa: E402

START = datetime(2025, 12, 1, tzinfo=UTC)
YEAR_S = 365 * 86400


def seed(url: str, cases: int) -> None:
    """Three brands, an agent, and the cases with their activity, spend and bot runs."""
    with transaction(url) as s:
        brands = [Brand(name=f"Bench {n}", settings={}) for n in range(3)]
        agent = User(username="bench", password_hash="x", role="agent")  # noqa: S106 (never logs in)
        author = Author(network="x", native_id="1", handle="bench")
        s.add_all([*brands, agent, author])
        s.flush()
        total = cases + cases // 4
        s.execute(
            insert(Conversation),
            [
                {
                    "network": "x",
                    "brand_id": brands[n % 3].id,
                    "started_at": START,
                    "last_post_at": START,
                }
                for n in range(total)
            ],
        )
        first = s.query(Conversation.id).order_by(Conversation.id).first()
        assert first is not None
        rows, activity, calls, bots = [], [], [], []
        for n in range(total):
            opened = START + timedelta(seconds=(n * 7919) % YEAR_S)
            resolved = n < cases
            rows.append(
                {
                    "brand_id": brands[n % 3].id,
                    "conversation_id": first[0] + n,
                    "customer_author_id": author.id,
                    "network": "x",
                    "status": "resolved" if resolved else "open",
                    "opened_at": opened,
                    "resolved_at": opened + timedelta(hours=2) if resolved else None,
                }
            )
        s.execute(insert(Case), rows)
        case_ids = [c for (c,) in s.query(Case.id).order_by(Case.id)]
        for n, case_id in enumerate(case_ids):
            opened = rows[n]["opened_at"]
            brand_id = rows[n]["brand_id"]
            for k, (kind, secs) in enumerate(
                (("viewing", 90.0), ("composing", 75.0), ("viewing", 30.0))
            ):
                began = opened + timedelta(minutes=20 + k * 5)
                activity.append(
                    {
                        "user_id": agent.id,
                        "case_id": case_id,
                        "brand_id": brand_id,
                        "kind": kind,
                        "started_at": began,
                        "ended_at": began + timedelta(seconds=secs),
                        "seconds": secs,
                    }
                )
            calls.append(
                {
                    "month": opened.strftime("%Y-%m"),
                    "network": "x",
                    "account": "bench",
                    "operation": "create_post",
                    "method": "POST",
                    "endpoint": "/2/tweets",
                    "status": 201,
                    "items": 1,
                    "cost_micros": 15_000,
                    "currency": "USD",
                    "case_id": case_id,
                    "at": opened,
                }
            )
            bots.append(
                {
                    "brand_id": brand_id,
                    "case_id": case_id,
                    "outcome": "handover",
                    "confidence": 0.4,
                    "reason": "",
                    "created_at": opened,
                }
            )
        s.execute(insert(AgentActivity), activity)
        s.execute(insert(ApiCallRecord), calls)
        s.execute(insert(BotDecision), bots)


def main() -> None:
    """Seed, then time the two reads."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/bench.db"
        upgrade(url)
        seed(url, args.cases)
        print(
            f"cores={os.cpu_count()} load_before={os.getloadavg()[0]:.2f} cases={args.cases}"
            f" db={url.split(':', 1)[0]}"
        )
        for name, read in (
            ("resolution_costs", resolution_costs),
            ("monthly_costs", monthly_costs),
        ):
            walls, cpus = [], []
            for _ in range(args.rounds):
                with transaction(url) as session:
                    wall, cpu = time.perf_counter(), time.process_time()
                    result = read(session, brand_ids=None, since=None, until=None)
                    walls.append(time.perf_counter() - wall)
                    cpus.append(time.process_time() - cpu)
            print(
                f"{name}: median {statistics.median(walls) * 1000:.0f} ms wall,"
                f" {statistics.median(cpus) * 1000:.0f} ms CPU ({len(result)} rows)"
            )
        print(f"load_after={os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
