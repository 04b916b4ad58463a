"""The pipeline as a staged bus handler: triage first, then a short write transaction (ADR 78).

Triage is the slow part of a batch (models over up to 10,000 characters a post). Run inside the
transaction that stores the batch, it held SQLite's write lock (PostgreSQL: the batch's row
locks) the whole time, and every other save waited or failed with "database is locked". So
the bus first reads what the batch will need triaged, triages it with no transaction open, and
only then claims, stores and marks the batch in one transaction that looks the results up.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from atdesk.domain.posts import RawEvent
from atdesk.domain.triage import TriageInput, TriageResult
from atdesk.pipeline.bus import Handler, Stale
from atdesk.pipeline.classify import classify
from atdesk.pipeline.runner import BatchReport, process_events, triage_inputs
from atdesk.storage.session import transaction
from atdesk.triage.base import Triager
from atdesk.triage.live_models import LiveModels, read_live_models
from atdesk.triage.service import triager_for
from atdesk.triage.versions import versions_of

AfterBatch = Callable[[Session, list[RawEvent], BatchReport], None]


@dataclass(frozen=True, slots=True)
class Precomputed:
    """A triager that only looks results up, so the storing transaction never runs a model."""

    results: dict[TriageInput, TriageResult]
    versions: dict[TriageInput, str]  # the model that gave each, recorded on its post

    def version_of(self, item: TriageInput) -> str:
        """The model that labelled this post when it was prepared."""
        try:
            return self.versions[item]
        except KeyError:
            raise Stale("a post needs triage it was not prepared with") from None

    def triage(self, item: TriageInput) -> TriageResult:
        """The stored result for one post."""
        return self.triage_many([item])[0]

    def triage_many(self, items: Sequence[TriageInput]) -> list[TriageResult]:
        """Stored results in order; a post prepared otherwise means the database moved on."""
        try:
            return [self.results[item] for item in items]
        except KeyError:
            raise Stale("a post needs triage it was not prepared with") from None


def pretriage(
    database_url: str, events: Sequence[RawEvent], triager: Triager | None = None
) -> Precomputed:
    """Read which posts the batch will triage and, unless a triager is given, which model
    each brand's posts use (a short read); then triage them outside it."""
    with transaction(database_url) as session:
        inputs = triage_inputs(session, events)
        live = read_live_models(session) if triager is None and inputs else None
    chosen = triager or triager_for(live or LiveModels())
    results = dict(zip(inputs, classify(chosen, inputs), strict=True))
    versions = dict(zip(inputs, versions_of(chosen, inputs), strict=True))
    return Precomputed(results, versions)


@dataclass(frozen=True, slots=True)
class PipelineHandler:
    """The inbound handler: `prepare` triages before the bus's write transaction; `after` adds
    what a caller does with each stored batch (case events, an ingest's report)."""

    triager: Triager | None = None
    history: bool = False
    after: AfterBatch | None = None

    def prepare(self, database_url: str, payloads: list[dict[str, Any]]) -> Handler:
        """Triage the batch now; the returned handler stores any subset of it."""
        events = [RawEvent.from_json(p) for p in payloads]
        ready = pretriage(database_url, events, self.triager)
        return lambda session, claimed: self._store(session, claimed, ready)

    def __call__(self, session: Session, payloads: list[dict[str, Any]]) -> None:
        """Triage and store in the caller's transaction (direct use; the bus prepares)."""
        self._store(session, payloads, self.triager)

    def _store(
        self, session: Session, payloads: list[dict[str, Any]], triager: Triager | None
    ) -> None:
        events = [RawEvent.from_json(p) for p in payloads]
        report = process_events(session, events, triager, history=self.history)
        if self.after is not None:
            self.after(session, events, report)


log = logging.getLogger(__name__)


def _log_invalid(_session: Session, _events: list[RawEvent], report: BatchReport) -> None:
    if report.invalid:
        log.warning(
            "dropped %d events that could not be normalised: %s",
            len(report.invalid),
            report.invalid[:5],
        )


# The bus handler for raw events: triage first, then the rest of the pipeline in one short
# transaction (ADR 78).
handle_inbound = PipelineHandler(after=_log_invalid)
