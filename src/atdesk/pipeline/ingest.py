"""Replay ingest: a file goes through the durable bus and the whole pipeline, batch by batch."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from atdesk.brands.service import ensure_brand_accounts
from atdesk.cases.service import auto_resolve_all
from atdesk.channels.replay.errors import RowError
from atdesk.channels.replay.reader import read_replay
from atdesk.domain.networks import Network
from atdesk.domain.posts import RawEvent
from atdesk.models.base import utcnow
from atdesk.pipeline.bus import INBOUND, Bus
from atdesk.pipeline.normalize import normalize
from atdesk.pipeline.prepare import PipelineHandler
from atdesk.pipeline.runner import BatchReport
from atdesk.storage.session import transaction

# Posts per history batch. Not raised for speed: where a conversation's posts fall in batches
# decides which audit rows it gets ("opened" then "updated"), so a replay would store other
# rows, and 5,000 measured no faster than 1,000 (docs/benchmarks.md "## Ingest").
BATCH_SIZE = 1000
AUTO_RESOLVE_AFTER = timedelta(hours=48)


@dataclass(slots=True)
class IngestReport:
    """The outcome of one ingest run, printed by the command and returned to tests."""

    rows: int = 0
    bad_rows: list[RowError] = field(default_factory=list)
    brands_created: int = 0
    pipeline: BatchReport = field(default_factory=BatchReport)
    auto_resolved: int = 0
    seconds: float = 0.0
    # Counted per batch, so a million-post replay keeps no list of every case it touched.
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


def ingest_file(
    path: Path,
    database_url: str,
    bus: Bus,
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

    def count(_session: Session, _events: list[RawEvent], batch: BatchReport) -> None:
        report.cases_opened += sum(1 for c in batch.case_changes if c.event == "opened")
        batch.case_changes = []
        report.pipeline.add(batch)

    # Staged: triage runs before the bus's write transaction (ADR 78).
    handle = PipelineHandler(history=True, after=count)

    for batch in _batches(read_replay(path, warn=warn), report):
        with transaction(database_url) as session:
            bus.publish(session, INBOUND, [event.to_json() for event in batch])
        while bus.consume(INBOUND, handle, batch_size=BATCH_SIZE):
            pass
        progress(len(batch))
    report.auto_resolved = auto_resolve_all(database_url, now=utcnow(), after=AUTO_RESOLVE_AFTER)
    report.seconds = time.perf_counter() - started
    return report
