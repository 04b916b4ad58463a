"""Builders for incident tests: a brand with surveys, customers' cases, staff, the job runner."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.config import Settings
from atdesk.domain.cases import Role
from atdesk.models import Case, IncidentDelivery, Post, User
from atdesk.storage.session import transaction
from tests.automations.helpers import Clock, TimedOutbox, job_env, run_jobs
from tests.cases.factories import staff
from tests.surveys.helpers import World, run, x_post

CUSTOMERS = [("4400000001", "dana", "Dana Fox"), ("4400000002", "lee", "Lee Park")]


@dataclass
class Desk:
    """A brand with surveys on, agent ana, supervisors sam and sue, a clock for the jobs."""

    settings: Settings
    http: httpx.Client
    world: World = field(init=False)
    clock: Clock = field(default_factory=Clock)
    outbox: TimedOutbox = field(default_factory=TimedOutbox)

    def __post_init__(self) -> None:
        self.world = World(self.settings, self.http).setup()
        with transaction(self.url) as session:
            staff(session, "sam", Role.SUPERVISOR, display_name="Sam Lead")
            staff(session, "sue", Role.SUPERVISOR, display_name="Sue Second")

    @property
    def url(self) -> str:
        return self.settings.database_url

    @property
    def brand_id(self) -> int:
        return self.world.brand_id

    def at(self, minutes: float) -> datetime:
        return self.world.start + timedelta(minutes=minutes)

    def mention(
        self,
        native: str,
        text: str,
        *,
        author: str,
        handle: str,
        name: str = "",
        minutes: float = 0,
    ) -> int:
        """A live customer mention of the brand; returns its case."""
        payload = x_post(
            native, f"@acmehelp {text}", self.at(minutes), author=author, handle=handle
        )
        payload["author"]["name"] = name or handle.title()
        with transaction(self.url) as session:
            run(session, payload)
            case_id = session.scalar(select(Post.case_id).where(Post.native_id == native))
            assert case_id is not None
            return case_id

    def run_jobs(self) -> int:
        return run_jobs(job_env(self.settings, self.outbox, self.http, self.clock))

    def deliveries(self) -> list[IncidentDelivery]:
        with transaction(self.url) as session:
            return list(session.scalars(select(IncidentDelivery).order_by(IncidentDelivery.id)))

    def case(self, case_id: int) -> Case:
        with transaction(self.url) as session:
            case = session.get(Case, case_id)
            assert case is not None
            return case


def user(session: Session, username: str) -> User:
    """A staff member, in this session."""
    return session.scalars(select(User).where(User.username == username)).one()
