"""Builders for survey tests: a case answered and resolved, the sweep, the jobs, a DM back.

Post times are set relative to the moment the test starts, because resolving stamps the
real clock; no assertion depends on how long anything takes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.cases.actions import resolve_case
from atdesk.config import Settings
from atdesk.domain.posts import RawEvent
from atdesk.models import Brand, Case, Post, Survey, SurveyResponse, User
from atdesk.models.base import utcnow
from atdesk.pipeline.runner import BatchReport, process_events
from atdesk.storage.session import transaction
from atdesk.surveys.settings import parse_settings, update_survey_settings
from atdesk.surveys.tasks import sweep
from tests.automations.helpers import TRIAGER, Clock, TimedOutbox, job_env, run_jobs
from tests.cases.factories import staff
from tests.factories import make_brand


def x_post(
    native_id: str,
    text: str,
    at: datetime,
    *,
    author: str = "4400000001",
    handle: str = "dana",
    **extra: Any,
) -> dict[str, Any]:
    """A JSON Lines post on X at a given time."""
    return {
        "network": "x",
        "id": native_id,
        "text": text,
        "created_at": at.isoformat(),
        "author": {"id": author, "handle": handle, "name": handle.title(), "followers": 50},
        **extra,
    }


def dm(native_id: str, text: str, at: datetime, **extra: Any) -> dict[str, Any]:
    """A private message to the test brand's X account."""
    return x_post(native_id, text, at, direct=True, to="acmehelp", **extra)


def run(session: Session, *payloads: dict[str, Any]) -> BatchReport:
    """The pipeline for these posts, with the keyword triager."""
    return process_events(
        session, [RawEvent(source="jsonl", payload=p) for p in payloads], triager=TRIAGER
    )


@dataclass
class World:
    """One brand with surveys on, an agent, and the clock the test started at."""

    settings: Settings
    http: httpx.Client
    start: datetime = field(default_factory=lambda: utcnow().replace(microsecond=0))
    brand_id: int = 0
    agent_id: int = 0
    outbox: TimedOutbox = field(default_factory=TimedOutbox)

    @property
    def url(self) -> str:
        return self.settings.database_url

    def at(self, minutes: float) -> datetime:
        """`minutes` after the test started (negative: before)."""
        return self.start + timedelta(minutes=minutes)

    def setup(self, **survey: Any) -> World:
        """The brand (surveys on, with these settings) and an agent."""
        with transaction(self.url) as session:
            brand = make_brand(session)
            update_survey_settings(brand, parse_settings({"enabled": True, **survey}))
            self.brand_id = brand.id
            self.agent_id = staff(session, "ana").id
        return self

    def answered_case(
        self, native: str, *, author: str = "4400000001", handle: str = "dana"
    ) -> int:
        """A customer's mention, the brand's reply ten minutes later; returns the case id."""
        with transaction(self.url) as session:
            run(
                session,
                x_post(
                    native, "@acmehelp my bill is wrong", self.at(-60), author=author, handle=handle
                ),
                x_post(
                    f"{native}r",
                    f"@{handle} fixed, sorry!",
                    self.at(-50),
                    author="1200000000",
                    handle="acmehelp",
                    in_reply_to=native,
                ),
            )
            case_id = session.scalar(
                select(Post.case_id).where(Post.network == "x", Post.native_id == native)
            )
            assert case_id is not None
            return case_id

    def resolve(self, case_id: int) -> None:
        """An agent resolves the case (the real clock stamps it)."""
        with transaction(self.url) as session:
            case = session.get(Case, case_id)
            agent = session.get(User, self.agent_id)
            assert case is not None and agent is not None
            assert resolve_case(session, case, actor=agent)

    def sweep(self) -> int:
        """The worker's survey sweep, now."""
        return sweep(self.url, now=utcnow())

    def send(self, minutes: float = 1, *, now: datetime | None = None) -> int:
        """Run the due jobs; what goes out is dated `minutes` after the start. The job
        runner's clock is `now` when given (else a day past the real now: every job is due)."""
        self.outbox.at = self.at(minutes)
        clock = Clock(now) if now is not None else None
        return run_jobs(job_env(self.settings, self.outbox, self.http, clock))

    def post(self, *payloads: dict[str, Any]) -> BatchReport:
        """Customer posts through the pipeline, in one transaction."""
        with transaction(self.url) as session:
            return run(session, *payloads)

    def case(self, case_id: int) -> Case:
        with transaction(self.url) as session:
            case = session.get(Case, case_id)
            assert case is not None
            return case

    def surveys(self) -> list[Survey]:
        with transaction(self.url) as session:
            return list(session.scalars(select(Survey).order_by(Survey.id)))

    def responses(self) -> list[SurveyResponse]:
        with transaction(self.url) as session:
            return list(session.scalars(select(SurveyResponse).order_by(SurveyResponse.id)))

    def brand(self, session: Session) -> Brand:
        brand = session.get(Brand, self.brand_id)
        assert brand is not None
        return brand
