"""History ingest: a file goes through the whole pipeline, batch by batch, beside the bus.

The file is its own durable source (a second run stores nothing new), and the bus belongs to
the live workers: a history batch published there could be taken by a worker and run live
(automations, replies), and the ingest could take a live post and store it as history (ADR 105).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from atdesk.brands.service import ensure_brand_accounts
from atdesk.cases.service import auto_resolve_all
from atdesk.channels.replay.errors import RowError
from atdesk.channels.replay.reader import read_replay
from atdesk.domain.networks import Network
from atdesk.domain.posts import RawEvent
from atdesk.models.base import utcnow
from atdesk.pipeline.bus import CONFLICT_ATTEMPTS, PREPARE_ATTEMPTS, Stale, lost_race
from atdesk.pipeline.normalize import normalize
from atdesk.pipeline.prepare import pretriage
from atdesk.pipeline.runner import BatchReport, process_events
from atdesk.storage.session import transaction

# Posts per history batch. Not raised for speed: where a conversation's posts fall in batches
# decides which audit rows it gets ("opened" then "updated"), so a replay would store other
# rows, and 5,000 measured no faster than 1,000 (docs/benchmarks.md "## Ingest").
BATCH_SIZE = 1000
AUTO_RESOLVE_AFTER = timedelta(hours=48)
log = logging.getLogger(__name__)


@dataclass(slots=True)
class IngestReport:
    """The outcome of one ingest run, printed by the command and returned to tests."""

    rows: int = 0
    bad_rows: list[RowError] = field(default_factory=list)
    brands_created: int = 0
    pipeline: BatchReport = field(default_factory=BatchReport)
    auto_resolved: int = 0
    seconds: float = 0.0
    cases_opened: int = 0


def _company_handles(events: Iterable[RawEvent]) -> dict[Network, set[str]]:
    """Authors of posts marked inbound=False: the company accounts of a replay file."""
    found: dict[Network, set[str]] = {}
    for event in events:
        post = normalize(event)
        if post.inbound is False:
            found.setdefault(post.network, set()).add(post.author.handle)
    return found


def _batches(
    items: Iterator[RawEvent | RowError], report: IngestReport
) -> Iterator[list[RawEvent]]:
    batch: list[RawEvent] = []
    for item in items:
        if isinstance(item, RowError):
            report.bad_rows.append(item)
            continue
        report.rows += 1
        batch.append(item)
        if len(batch) >= BATCH_SIZE:
            yield batch
            batch = []
    if batch:
        yield batch


def _store_batch(database_url: str, events: list[RawEvent]) -> BatchReport:
    """Triage with no transaction open, then store in one short transaction (ADR 78); again
    when the database moved meanwhile or a live worker stored rows of the same posts first."""
    passes = conflicts = 0
    while True:
        ready = pretriage(database_url, events)
        try:
            with transaction(database_url) as session:
                return process_events(session, events, ready, history=True)
        except Stale as exc:
            passes += 1
            if passes >= PREPARE_ATTEMPTS:
                raise
            log.info("history batch changed while it was prepared (%s); again", exc)
        except Exception as exc:
            if not lost_race(exc) or conflicts >= CONFLICT_ATTEMPTS - 1:
                raise
            conflicts += 1
            log.info("history batch lost a race to a live worker (%s); again", exc)
            time.sleep(0.05 * conflicts)


def ingest_file(
    path: Path,
    database_url: str,
    *,
    progress: Callable[[int], object] = lambda n: None,
    warn: Callable[[str], None] = print,
) -> IngestReport:
    """Load a replay file as history (SPEC §4, ADR 73); a second run changes nothing."""
    started = time.perf_counter()
    report = IngestReport()
    companies = _company_handles(
        e for e in read_replay(path, warn=lambda _: None) if isinstance(e, RawEvent)
    )
    with transaction(database_url) as session:
        for network, handles in companies.items():
            report.brands_created += ensure_brand_accounts(
                session, network, handles, replay_only=True
            )
    for batch in _batches(read_replay(path, warn=warn), report):
        stored = _store_batch(database_url, batch)
        report.cases_opened += sum(1 for c in stored.case_changes if c.event == "opened")
        stored.case_changes = []  # a million-post replay keeps no list of every case it touched
        report.pipeline.add(stored)
        progress(len(batch))
    report.auto_resolved = auto_resolve_all(database_url, now=utcnow(), after=AUTO_RESOLVE_AFTER)
    report.seconds = time.perf_counter() - started
    return report
