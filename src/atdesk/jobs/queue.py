"""The durable queue of outbound jobs: queued in the deciding transaction, run by workers.

A job is a row, written in the same transaction as the decision that needs it, so a decision
never exists without its job (and a rolled-back decision leaves none). Workers lease due jobs
in a short transaction, make the outside call with no transaction open (a slow city never
holds the database), then record the outcome and its effects in one more transaction. A
worker that dies mid-call leaves a lease that expires, and the job runs again: calls are
at-least-once, and each handler says how it copes with a repeat. A job whose tries are used
up waits for a person with its last error; nothing is dropped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Literal, TypeVar

import httpx
from sqlalchemy import or_, select, update
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session

from atdesk.config import Settings
from atdesk.domain.retry import next_retry_delay
from atdesk.models import AutomationJob
from atdesk.models.base import utcnow
from atdesk.observability.context import bound, new_id
from atdesk.observability.counters import Failure, count_error
from atdesk.storage.session import transaction

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
QUEUED = "queued"
RUNNING = "running"
# How long a finished job waits for the database to come back to record its outcome.
OUTAGE_WAIT_S = 60.0
T = TypeVar("T")
DONE = "done"
NEEDS_HUMAN = "needs_human"
CANCELLED = "cancelled"


def enqueue(
    session: Session,
    *,
    kind: str,
    key: str,
    payload: Mapping[str, Any],
    brand_id: int | None = None,
    case_id: int | None = None,
    due_at: datetime | None = None,
    looked_up: bool = False,
) -> AutomationJob:
    """Queue a job once: the same `key` returns the job already queued (replays act once).
    `looked_up`: the caller has just found `key` unused in this transaction, so it is not
    read again (the unique key still refuses a second one)."""
    if not looked_up:
        existing = session.scalar(select(AutomationJob).where(AutomationJob.key == key))
        if existing is not None:
            return existing
    job = AutomationJob(
        kind=kind,
        key=key[:200],
        payload=dict(payload),
        brand_id=brand_id,
        case_id=case_id,
        status=QUEUED,
        attempts=0,
        due_at=due_at or utcnow(),
        result={},
    )
    session.add(job)
    session.flush()
    return job


@dataclass(frozen=True, slots=True)
class JobView:
    """A leased job as its handler sees it (plain values; no session attached)."""

    id: int
    kind: str
    key: str
    payload: Mapping[str, Any]
    attempt: int
    brand_id: int | None
    case_id: int | None


Effect = Callable[[Session], "Mapping[str, Any] | None"]


class RetryJob(Exception):
    """Raised by an effect whose work failed in a way that may pass: undo it, try later."""

    def __init__(self, reason: str, *, after_s: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.after_s = after_s


class HandJobOver(Exception):
    """Raised by an effect whose work cannot succeed as it is: undo it, wait for a person."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class JobOutcome:
    """What happened: done, try again after `after_s` (counting a failed try or not), or a
    person must take over. `effect` writes the result in the same transaction as the mark."""

    status: Literal["done", "retry", "again", "needs_human"]
    reason: str = ""
    after_s: float = 0.0
    effect: Effect | None = None
    result: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def done(cls, effect: Effect | None = None, **result: Any) -> JobOutcome:
        """Finished; nothing more to do."""
        return cls("done", effect=effect, result=result)

    @classmethod
    def retry(cls, after_s: float, reason: str, effect: Effect | None = None) -> JobOutcome:
        """Failed this time; the next try counts as another attempt."""
        return cls("retry", reason=reason, after_s=after_s, effect=effect)

    @classmethod
    def again(cls, after_s: float, effect: Effect | None = None, reason: str = "") -> JobOutcome:
        """Worked, and should run again later (polling): attempts start over."""
        return cls("again", reason=reason, after_s=after_s, effect=effect)

    @classmethod
    def needs_human(cls, reason: str, effect: Effect | None = None) -> JobOutcome:
        """Stop trying on our own; the job waits for a person with this reason."""
        return cls("needs_human", reason=reason, effect=effect)


@dataclass(slots=True)
class JobEnv:
    """What handlers get: the settings, one HTTP pool, the clock, and short transactions."""

    settings: Settings
    http: httpx.Client
    # a respond.outbox.Outbox, typed there (the queue sits below the channels); None = the network
    outbox: object | None = None
    now: Callable[[], datetime] = utcnow

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A short transaction to load what the call needs (commits nothing of note)."""
        with transaction(self.settings.database_url) as session:
            yield session


Handler = Callable[[JobView, JobEnv], JobOutcome]
HANDLERS: dict[str, Handler] = {}


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that runs jobs of this kind."""

    def register(fn: Handler) -> Handler:
        HANDLERS[kind] = fn
        return fn

    return register


def _write_lock(session: Session) -> None:
    """On SQLite take the database's write lock first: a transaction that starts by reading
    and writes later can fail at once with "database is locked" instead of waiting."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(AutomationJob).where(AutomationJob.id == -1).values(attempts=0))


def _due(now: datetime) -> Any:
    return or_(
        (AutomationJob.status == QUEUED) & (AutomationJob.due_at <= now),
        (AutomationJob.status == RUNNING) & (AutomationJob.lease_until <= now),
    )


def lease_due(database_url: str, *, limit: int, now: datetime) -> list[JobView]:
    """Take up to `limit` due jobs (and jobs whose worker died) for this worker."""
    with transaction(database_url) as session:
        # A plain read first: an idle worker never takes the write lock.
        if session.scalar(select(AutomationJob.id).where(_due(now)).limit(1)) is None:
            return []
    with transaction(database_url) as session:
        _write_lock(session)
        query = (
            select(AutomationJob)
            .where(_due(now))
            .order_by(AutomationJob.due_at, AutomationJob.id)
            .limit(limit)
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        jobs = list(session.scalars(query))
        views = []
        for job in jobs:
            job.status = RUNNING
            job.attempts += 1
            job.lease_until = now + LEASE
            views.append(
                JobView(
                    id=job.id,
                    kind=job.kind,
                    key=job.key,
                    payload=dict(job.payload),
                    attempt=job.attempts,
                    brand_id=job.brand_id,
                    case_id=job.case_id,
                )
            )
        return views


def record_outcome(database_url: str, view: JobView, outcome: JobOutcome, *, now: datetime) -> bool:
    """Apply the outcome's effect and mark the job, in one transaction.

    An effect that raises RetryJob or HandJobOver is undone (a savepoint) and the job is
    marked accordingly. Returns False (changing nothing) when the lease was lost meanwhile.
    """
    with transaction(database_url) as session:
        _write_lock(session)
        job = session.get(AutomationJob, view.id, with_for_update=True)
        if job is None or job.status != RUNNING or job.attempts != view.attempt:
            return False
        if outcome.effect is not None:
            savepoint = session.begin_nested()
            try:
                extra = outcome.effect(session)
            except RetryJob as exc:
                savepoint.rollback()
                outcome = _retry_or_give_up(view.attempt, exc.reason, exc.after_s)
            except HandJobOver as exc:
                savepoint.rollback()
                outcome = JobOutcome.needs_human(exc.reason)
            else:
                savepoint.commit()
                if extra:
                    outcome = JobOutcome(
                        outcome.status,
                        outcome.reason,
                        outcome.after_s,
                        None,
                        {**dict(outcome.result), **dict(extra)},
                    )
        _mark(job, outcome, now)
        return True


def _retry_or_give_up(attempt: int, reason: str, after_s: float | None) -> JobOutcome:
    delay = next_retry_delay(attempt, retry_after_s=after_s)
    if delay is None:
        return JobOutcome.needs_human(f"gave up after {attempt} tries: {reason}")
    return JobOutcome.retry(delay, reason)


def _mark(job: AutomationJob, outcome: JobOutcome, now: datetime) -> None:
    job.lease_until = None
    if outcome.status == "done":
        job.status = DONE
        job.finished_at = now
        job.last_error = None
        job.result = {**(job.result or {}), **dict(outcome.result)}
    elif outcome.status == "needs_human":
        job.status = NEEDS_HUMAN
        job.finished_at = now
        job.last_error = outcome.reason[:2000]
    else:
        job.status = QUEUED
        job.due_at = now + timedelta(seconds=max(0.0, outcome.after_s))
        if outcome.status == "again":
            job.attempts = 0
            job.last_error = None
        else:
            job.last_error = outcome.reason[:2000]


def run_job(view: JobView, env: JobEnv) -> JobOutcome:
    """Run one leased job; an unexpected error is kept on the job and retried later."""
    fn = HANDLERS.get(view.kind)
    if fn is None:
        return JobOutcome.needs_human(f"no handler for job kind {view.kind!r}; upgrade atdesk")
    try:
        return fn(view, env)
    except (httpx.HTTPError, OSError, ValueError, KeyError, LookupError) as exc:
        count_error(Failure.JOBS)
        log.exception("job %s (%s) failed; it will be retried", view.id, view.kind)
        return _retry_or_give_up(view.attempt, f"{type(exc).__name__}: {exc}", None)


def run_due_jobs(env: JobEnv, *, limit: int = 20) -> int:
    """Lease due jobs, run each outside any transaction, record the outcomes; returns how many."""
    views = lease_due(env.settings.database_url, limit=limit, now=env.now())
    for index, view in enumerate(views):
        with bound(request_id=new_id("job-"), case_id=view.case_id):  # in the job's log lines
            try:
                outcome = run_job(view, env)
                through_outage(partial(_record, env, view, outcome))
            except Exception:
                # A server went away mid-batch: the jobs not yet started go back to the queue
                # now instead of waiting out their lease; the one that was running keeps its
                # lease, since it may have reached the network (its send guard decides).
                release(env.settings.database_url, views[index + 1 :])
                raise
    return len(views)


def _record(env: JobEnv, view: JobView, outcome: JobOutcome) -> bool:
    return record_outcome(env.settings.database_url, view, outcome, now=env.now())


def through_outage(write: Callable[[], T]) -> T:
    """Run a short write again while the database is away (a restart), up to OUTAGE_WAIT_S:
    a job's outcome is known once it ran and must not wait out its lease instead."""
    pause, waited = 0.5, 0.0
    while True:
        try:
            return write()
        except DBAPIError as exc:
            away = isinstance(exc, OperationalError | InterfaceError) or exc.connection_invalidated
            if not away or waited >= OUTAGE_WAIT_S:
                raise
            log.warning("database away (%s); writing again in %.1fs", type(exc).__name__, pause)
            time.sleep(pause)
            waited += pause
            pause = min(pause * 2, 5.0)


def release(database_url: str, views: list[JobView]) -> int:
    """Hand leased jobs that never started back to the queue, their attempt not counted;
    best effort (a database that stays away leaves them to their lease). Returns how many."""
    if not views:
        return 0

    def hand_back() -> int:
        with transaction(database_url) as session:
            released = 0
            for view in views:
                result = session.execute(
                    update(AutomationJob)
                    .where(
                        AutomationJob.id == view.id,
                        AutomationJob.status == RUNNING,
                        AutomationJob.attempts == view.attempt,
                    )
                    .values(status=QUEUED, lease_until=None, attempts=view.attempt - 1)
                )
                released += int(getattr(result, "rowcount", 0) or 0)
            return released

    try:
        return through_outage(hand_back)
    except Exception:
        log.exception("could not hand %d leased jobs back; their lease runs out", len(views))
        return 0


def retry_now(session: Session, job: AutomationJob) -> None:
    """A person asks for another try (after fixing a key, or when the city is back)."""
    job.status = QUEUED
    job.attempts = 0
    job.due_at = utcnow()
    job.finished_at = None
    session.flush()
