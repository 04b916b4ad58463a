"""Incidents at outage size: linking on the live path, planning an update, sending it.

    .venv/bin/python bench/bench_incidents.py [--customers 1000] [--postgres URL]

On a fresh SQLite file (or an empty PostgreSQL database): brand Acme, a supervisor, and
`--customers` customers each writing one live mention about an outage, in batches of 200
through `process_events` (the pipeline with the keyword triager), first with no incident open
and then, for as many more customers, with an open incident matching "outage" so every case
of the second half is linked on arrival. Then one update is posted to every linked customer
(plan, personalise, measure, one delivery row and job each) and the job runner sends it
through an outbox that answers at once (what the broadcast costs us, not the network).
Results go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import itertools
import secrets
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from sqlalchemy import func, select  # noqa: E402

from atdesk.accounts.service import create_user  # noqa: E402
from atdesk.brands.service import create_brand  # noqa: E402
from atdesk.channels.base import Sent  # noqa: E402
from atdesk.config import Settings  # noqa: E402
from atdesk.domain.cases import Role  # noqa: E402
from atdesk.domain.networks import Network  # noqa: E402
from atdesk.domain.posts import Author, Post, RawEvent  # noqa: E402
from atdesk.insights.incidents.service import create_from_cases  # noqa: E402
from atdesk.insights.incidents.updates import post_update  # noqa: E402
from atdesk.jobs.queue import JobEnv, run_due_jobs  # noqa: E402
from atdesk.models import Case, ChannelAccount, Incident, IncidentCase, User  # noqa: E402
from atdesk.pipeline.runner import process_events  # noqa: E402
from atdesk.respond.outbox import Outgoing  # noqa: E402
from atdesk.storage.migrate import upgrade  # noqa: E402
from atdesk.storage.session import transaction  # noqa: E402
from atdesk.triage.baseline import RulesTriager  # noqa: E402
from atdesk.worker import wire  # noqa: E402

BATCH = 200
T0 = datetime.now(UTC) - timedelta(hours=1)


class NoState:
    """An account with nothing to remember between sends."""

    def to_json(self) -> dict[str, Any]:
        return {}


class InstantOutbox:
    """Answers every send at once with a new id: the broadcast's own cost, no network."""

    def __init__(self) -> None:
        self.ids = itertools.count(9_000_000_001)

    def send(self, account: ChannelAccount, message: Outgoing) -> Sent[Any]:
        post = Post(
            network=Network(account.network),
            native_id=str(next(self.ids)),
            text=message.text,
            created_at=T0 + timedelta(minutes=30),
            author=Author(Network(account.network), account.native_user_id or "", account.handle),
            in_reply_to=message.target.native_id if message.target else None,
            direct=message.recipient is not None,
            inbound=False,
        )
        return Sent(post, NoState())


def mentions(start: int, count: int) -> list[dict[str, Any]]:
    return [
        {
            "network": "x",
            "id": f"m{n}",
            "text": f"@acmehelp the app outage again, nothing loads ({n})",
            "created_at": (T0 + timedelta(seconds=n)).isoformat(),
            "author": {"id": f"77{n:08d}", "handle": f"cust{n}", "name": f"Cust {n}"},
        }
        for n in range(start, start + count)
    ]


def ingest(url: str, start: int, count: int, triager: RulesTriager) -> float:
    began = time.perf_counter()
    for offset in range(0, count, BATCH):
        batch = mentions(start + offset, min(BATCH, count - offset))
        with transaction(url) as session:
            process_events(session, [RawEvent("jsonl", p) for p in batch], triager=triager)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--postgres", default="")
    args = parser.parse_args()
    url = args.postgres or f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    upgrade(url)
    wire()
    triager = RulesTriager()
    with transaction(url) as session:
        create_brand(session, "Acme", [(Network.X, "acmehelp", "1200000000")])
        session.scalars(select(ChannelAccount)).one().state = {}
        create_user(
            session, username="sam", password=secrets.token_urlsafe(16), role=Role.SUPERVISOR
        )
    n = args.customers
    without = ingest(url, 0, n, triager)
    with transaction(url) as session:
        sam = session.scalars(select(User).where(User.username == "sam")).one()
        first = session.scalars(select(Case.id).order_by(Case.id).limit(1)).all()
        create_from_cases(
            session,
            case_ids=first,
            title="App outage",
            terms=["outage"],
            brand_ids=None,
            actor=sam,
            now=T0,
        )
    with_incident = ingest(url, n, n, triager)
    with transaction(url) as session:
        linked = session.scalar(select(func.count()).select_from(IncidentCase)) or 0
        incident = session.scalars(select(Incident)).one()
        sam = session.scalars(select(User).where(User.username == "sam")).one()
        began = time.perf_counter()
        post_update(
            session,
            incident,
            text="we found the cause and a fix is rolling out.",
            visibility="public",
            actor=sam,
            now=T0 + timedelta(minutes=20),
        )
    planned = time.perf_counter() - began
    env = JobEnv(settings=Settings(database_url=url), http=httpx.Client(), outbox=InstantOutbox())
    env.now = lambda: datetime.now(UTC) + timedelta(days=1)
    began = time.perf_counter()
    sent = 0
    while ran := run_due_jobs(env, limit=50):
        sent += ran
    sending = time.perf_counter() - began
    backend = "PostgreSQL" if args.postgres else "SQLite"
    print(f"backend={backend} customers={n} linked={linked}")
    print(f"ingest_without_incident_posts_per_s={n / without:.0f}")
    print(f"ingest_with_incident_posts_per_s={n / with_incident:.0f}")
    print(f"post_update_s={planned:.2f} deliveries={linked}")
    print(f"send_s={sending:.2f} deliveries_per_s={sent / sending:.0f}")


if __name__ == "__main__":
    main()
