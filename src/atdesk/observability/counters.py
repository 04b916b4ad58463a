"""Counters of the work each process does, incremented where the work happens.

Every process (the web app, each `atdesk worker`) has its own counters in prometheus_client's
default registry; Prometheus adds the processes' series up. A count that belongs to a database
write is made when that write commits (`tally`): a rolled-back batch is delivered again and
counted then, so the rate is the rate of work that stuck.
"""

from __future__ import annotations

from collections import Counter as Tally
from enum import StrEnum

from prometheus_client import Counter
from sqlalchemy import event
from sqlalchemy.orm import Session


class Stage(StrEnum):
    """The pipeline's stages, in the order a post passes them."""

    RECEIVED = "received"
    STORED = "stored"
    FILTERED = "filtered"
    TRIAGED = "triaged"
    CASES_OPENED = "cases_opened"
    AUTOMATED = "automated"
    REPLIES_SENT = "replies_sent"


class Failure(StrEnum):
    """Where a failure happened: a stage's batch, a job, a send, a periodic task."""

    INBOUND = "inbound"
    AUTOMATE = "automate"
    JOBS = "jobs"
    SEND = "send"
    PERIODIC = "periodic"


POSTS = Counter(
    "atdesk_stage_items",
    "Items that passed each pipeline stage (posts; cases for cases_opened; replies for "
    "replies_sent), counted when their transaction commits",
    ["stage"],
)
ERRORS = Counter(
    "atdesk_errors", "Failures per stage (a failed batch is retried by the bus)", ["stage"]
)
PUSHED = Counter(
    "atdesk_pushed_items",
    "Posts sent to POST /api/v1/events, by result (accepted counted when queued for good)",
    ["result"],
)
PUSH_REFUSED = Counter(
    "atdesk_pushed_refused",
    "POST /api/v1/events requests refused whole, by HTTP status (429: the queue was full)",
    ["status"],
)
for _stage in Stage:
    POSTS.labels(_stage.value)
for _failure in Failure:
    ERRORS.labels(_failure.value)
PUSH_RESULTS = ("accepted", "duplicate", "invalid", "forbidden")
for _result in PUSH_RESULTS:
    PUSHED.labels(_result)
for _status in ("400", "403", "413", "415", "429"):
    PUSH_REFUSED.labels(_status)

_PENDING = "atdesk.observability.tally"


def count(stage: Stage, n: int = 1) -> None:
    """Count work that is done now (a reply the network accepted)."""
    if n > 0:
        POSTS.labels(stage.value).inc(n)


def count_error(where: Failure) -> None:
    """Count one failure; the log line beside it says what failed."""
    ERRORS.labels(where.value).inc()


def count_refused_push(status: int) -> None:
    """Count an events-API request refused whole (nothing of it was queued)."""
    PUSH_REFUSED.labels(str(status)).inc()


def tally(session: Session, counts: dict[Stage, int]) -> None:
    """Count these items when the session commits; forget them if it rolls back."""
    _when_committed(session, {(POSTS, stage.value): n for stage, n in counts.items()})


def tally_pushed(session: Session, counts: dict[str, int]) -> None:
    """Count an events-API request's results per item when its transaction commits."""
    _when_committed(session, {(PUSHED, result): n for result, n in counts.items()})


def _when_committed(session: Session, counts: dict[tuple[Counter, str], int]) -> None:
    pending: Tally[tuple[Counter, str]] = session.info.setdefault(_PENDING, Tally())
    pending.update({key: n for key, n in counts.items() if n > 0})
    if not event.contains(session, "after_commit", _flush):
        event.listen(session, "after_commit", _flush)
        event.listen(session, "after_rollback", _forget)


def _flush(session: Session) -> None:
    pending: Tally[tuple[Counter, str]] = session.info.pop(_PENDING, Tally())
    for (counter, label), n in pending.items():
        counter.labels(label).inc(n)


def _forget(session: Session) -> None:
    session.info.pop(_PENDING, None)


# Every counter above, by the name Prometheus shows: what a child process hands its parent.
_COUNTERS = {
    "atdesk_stage_items": POSTS,
    "atdesk_errors": ERRORS,
    "atdesk_pushed_items": PUSHED,
    "atdesk_pushed_refused": PUSH_REFUSED,
}
Totals = dict[tuple[str, str], float]


def totals() -> Totals:
    """This process's counts so far, by counter and label: another process adds them to its
    own (`add_totals`), so one /metrics counts the work of a process that serves none."""
    out: Totals = {}
    for name, counter in _COUNTERS.items():
        for metric in counter.collect():
            for sample in metric.samples:
                if sample.name == f"{name}_total":
                    (label,) = sample.labels.values()
                    out[(name, label)] = sample.value
    return out


def add_totals(counts: Totals) -> None:
    """Count what another process counted (amounts since its last hand-over)."""
    for (name, label), amount in counts.items():
        counter = _COUNTERS.get(name)
        if counter is not None and amount > 0:
            counter.labels(label).inc(amount)
