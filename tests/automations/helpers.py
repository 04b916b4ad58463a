"""Builders for automation tests: posts near a fixed 'now', the stage, and the job runner."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk import worker as tasks
from atdesk.automations.engine.stage import PostRun, automate_posts, case_events
from atdesk.channels.base import Sent
from atdesk.config import Settings
from atdesk.domain.posts import RawEvent
from atdesk.domain.triage import Intent, TriageInput, TriageResult
from atdesk.jobs.queue import JobEnv, run_due_jobs
from atdesk.models import AutomationJob, ChannelAccount
from atdesk.models.base import utcnow
from atdesk.pipeline.runner import process_events
from atdesk.respond.outbox import Outbox, Outgoing
from atdesk.storage.session import transaction
from atdesk.triage.base import Triager
from atdesk.triage.baseline import RulesTriager
from tests.respond.fakes import RecordingOutbox

# Monday 23 November 2026, 15:00 UTC: the posts' clock (fixed, so windows are exact).
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
assert tasks.KINDS  # every job handler is registered


class SureRulesTriager(RulesTriager):
    """The keyword triager, sure of every intent a keyword names: these tests are about what
    rules do once triage is sure (the confidence floor has tests of its own)."""

    def triage(self, item: TriageInput) -> TriageResult:
        result = super().triage(item)
        if result.intent != Intent.OTHER:
            result.intent_confidence = SURE
        return result


SURE = 0.95
# The keyword triager: these tests are about automations, not about the trained models.
TRIAGER = SureRulesTriager()


def post(
    native_id: str,
    text: str,
    *,
    author: str = "4400000001",
    handle: str = "dana",
    name: str = "Dana Reyes",
    minutes_before: float = 5,
    network: str = "x",
    **extra: Any,
) -> dict[str, Any]:
    """One JSON Lines post written `minutes_before` NOW."""
    return {
        "network": network,
        "id": native_id,
        "text": text,
        "created_at": (NOW - timedelta(minutes=minutes_before)).isoformat(),
        "author": {"id": author, "handle": handle, "name": name, "followers": 120},
        **extra,
    }


def automate(
    session: Session,
    settings: Settings,
    *payloads: dict[str, Any],
    now: datetime = NOW,
    triager: Triager | None = None,
) -> list[PostRun]:
    """The pipeline, then the automate stage on the batch's case events, as the worker does."""
    events = [RawEvent(source="jsonl", payload=p) for p in payloads]
    report = process_events(session, events, triager=triager or TRIAGER)
    ids = [pid for e in case_events(session, events, report) for pid in e["post_ids"]]
    return automate_posts(session, ids, settings=settings, now=now)


@dataclass
class Clock:
    """The job runner's clock: starts a day past the real now so every queued job is due."""

    now: datetime = field(default_factory=lambda: utcnow() + timedelta(days=1))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def job_env(
    settings: Settings, outbox: Outbox, http: httpx.Client, clock: Clock | None = None
) -> JobEnv:
    """A job runner environment with a recording (or real) outbox and a movable clock."""
    return JobEnv(settings=settings, http=http, outbox=outbox, now=clock or Clock())


def run_jobs(env: JobEnv, rounds: int = 5) -> int:
    """Run due jobs until none are left (or `rounds` passes)."""
    total = 0
    for _ in range(rounds):
        ran = run_due_jobs(env)
        total += ran
        if not ran:
            break
    return total


def jobs_of(database_url: str, kind: str | None = None) -> list[AutomationJob]:
    """Every job (of a kind), oldest first, read in a fresh transaction."""
    with transaction(database_url) as session:
        query = select(AutomationJob).order_by(AutomationJob.id)
        if kind:
            query = query.where(AutomationJob.kind == kind)
        return list(session.scalars(query))


@dataclass
class TimedOutbox(RecordingOutbox):
    """A recording outbox whose posts are dated `at` (posts in these tests live around NOW)."""

    at: datetime = NOW + timedelta(minutes=1)

    def send(self, account: ChannelAccount, message: Outgoing) -> Sent[Any]:
        sent = super().send(account, message)
        return Sent(replace(sent.post, created_at=self.at), sent.account)


def texts(jobs: Sequence[AutomationJob]) -> list[str]:
    """The text of each message job."""
    return [str(j.payload["text"]) for j in jobs if j.kind == "message.send"]
