"""On X for real (the local emulator, real sockets): an incident update reaches every affected
customer exactly once as a reply in their thread, also when the worker dies mid-broadcast."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from atdesk.brands.service import create_brand
from atdesk.channels.base import ChannelDeps, RetryPolicy, Sent
from atdesk.channels.x.account import XAccount
from atdesk.channels.x.normalize import NORMALIZERS
from atdesk.channels.x.provider import XChannel
from atdesk.config import Settings
from atdesk.domain.cases import Role
from atdesk.domain.networks import Network
from atdesk.emulators.faults import FaultKind
from atdesk.emulators.x import XEmulator
from atdesk.insights.incidents.service import create_from_cases
from atdesk.insights.incidents.updates import post_update
from atdesk.jobs import queue as jobs
from atdesk.models import AutomationJob, Case, ChannelAccount, IncidentDelivery, ReplyDraft
from atdesk.models.base import utcnow
from atdesk.pipeline.normalize import register_normalizer
from atdesk.pipeline.runner import process_events
from atdesk.respond.outbox import ChannelOutbox, Outbox, Outgoing
from atdesk.storage.session import transaction
from tests.automations.helpers import TRIAGER, Clock, job_env, run_jobs
from tests.cases.factories import staff
from tests.insights.incidents import user

BRAND = "HarborHelp"
TOKEN = "harbor-user-token"
CUSTOMERS = ("dana", "lee", "kim", "max")
UPDATE = "our card payments are failing; a fix is rolling out now."


class Crash(BaseException):
    """The worker process dying: nothing after it runs, not even an `except Exception`."""


@dataclass
class DiesAfterSending:
    """The real outbox, but the process dies right after the network took send number `at`."""

    inner: Outbox
    at: int
    count: int = 0

    def send(self, account: ChannelAccount, message: Outgoing) -> Sent[Any]:
        sent = self.inner.send(account, message)
        self.count += 1
        if self.count == self.at:
            raise Crash("killed between the network's answer and the database")
        return sent


@dataclass
class Harbor:
    """The brand on the X emulator, four customers' cases in one incident, an update posted."""

    settings: Settings
    x: XEmulator
    tweets: dict[str, str] = field(default_factory=dict)
    deps: ChannelDeps = field(default_factory=lambda: ChannelDeps(timeout=3.0))
    clock: Clock = field(default_factory=Clock)

    @property
    def url(self) -> str:
        return self.settings.database_url

    def setup(self) -> Harbor:
        brand_user = self.x.add_account(BRAND, user_token=TOKEN, name="Harbor Bank")
        account = XAccount(
            handle=BRAND, user_id=brand_user, user_token=TOKEN, base_url=self.x.base_url
        )
        for handle in CUSTOMERS:
            self.tweets[handle] = self.x.post(handle, f"@{BRAND} card declined at the shop, again")
        events = [e for b in XChannel(self.deps, poll_dms=False).poll(account) for e in b.events]
        with transaction(self.url) as session:
            create_brand(session, "Harbor Bank", [(Network.X, BRAND, brand_user)])
            session.scalars(select(ChannelAccount)).one().state = account.to_json()
            staff(session, "sam", Role.SUPERVISOR)
            assert process_events(session, events, triager=TRIAGER).invalid == []
        with transaction(self.url) as session:
            now = utcnow()
            incident = create_from_cases(
                session,
                case_ids=list(session.scalars(select(Case.id))),
                title="Card payments failing",
                terms=["card declined"],
                brand_ids=None,
                actor=user(session, "sam"),
                now=now,
            )
            post_update(
                session,
                incident,
                text=UPDATE,
                visibility="public",
                actor=user(session, "sam"),
                now=now,
            )
        return self

    def run(self, outbox: Outbox, http: httpx.Client) -> int:
        return run_jobs(job_env(self.settings, outbox, http, self.clock))

    def replies(self) -> dict[str, int]:
        """How many replies the brand posted under each customer's tweet."""
        counts = dict.fromkeys(CUSTOMERS, 0)
        by_tweet = {tweet: handle for handle, tweet in self.tweets.items()}
        for post in self.x.posts_by(BRAND):
            (ref,) = post["referenced_tweets"]
            counts[by_tweet[ref["id"]]] += 1
            assert post["text"].endswith(UPDATE)
        return counts

    def states(self) -> dict[str, str]:
        with transaction(self.url) as session:
            rows = session.execute(
                select(Case.id, IncidentDelivery.status).join(
                    IncidentDelivery, IncidentDelivery.case_id == Case.id
                )
            )
            return {str(case_id): status for case_id, status in rows}


@pytest.fixture
def harbor(settings: Settings) -> Iterator[Harbor]:
    for source, normalizer in NORMALIZERS.items():
        register_normalizer(source, normalizer)
    with XEmulator() as x:
        yield Harbor(settings, x).setup()
        assert x.validation_errors == []


def test_every_customer_gets_the_update_once_in_their_thread(
    harbor: Harbor, http: httpx.Client
) -> None:
    outbox = ChannelOutbox(harbor.deps)
    assert harbor.run(outbox, http) == len(CUSTOMERS)
    assert harbor.replies() == dict.fromkeys(CUSTOMERS, 1)
    assert set(harbor.states().values()) == {"sent"}
    with transaction(harbor.url) as session:
        sent_ids = {d.sent_post_id for d in session.scalars(select(IncidentDelivery))}
        assert None not in sent_ids and len(sent_ids) == len(CUSTOMERS)
    # Running the queue again, even forcing every job to run, posts nothing more.
    with transaction(harbor.url) as session:
        for job in session.scalars(select(AutomationJob)):
            jobs.retry_now(session, job)
    harbor.clock.advance(3600)
    harbor.run(outbox, http)
    assert harbor.replies() == dict.fromkeys(CUSTOMERS, 1)


def test_a_worker_killed_mid_broadcast_sends_no_one_twice_and_skips_no_one(
    harbor: Harbor, http: httpx.Client
) -> None:
    dying = DiesAfterSending(ChannelOutbox(harbor.deps), at=2)
    with pytest.raises(Crash):
        harbor.run(dying, http)
    # The first customer's reply is recorded; the second went out but its answer was lost;
    # the others were leased by the dead worker and never tried.
    assert sum(harbor.replies().values()) == 2
    states = sorted(harbor.states().values())
    assert states == ["queued", "queued", "sending", "sent"]
    # A new worker once the dead one's leases expire.
    harbor.clock.advance(6 * 60)
    harbor.run(ChannelOutbox(harbor.deps), http)
    assert harbor.replies() == dict.fromkeys(CUSTOMERS, 1)
    states = sorted(harbor.states().values())
    # The lost answer is never guessed: that delivery waits for a person to check X.
    assert states == ["sent", "sent", "sent", "unconfirmed"]
    with transaction(harbor.url) as session:
        needs_human = session.scalars(
            select(AutomationJob).where(AutomationJob.status == jobs.NEEDS_HUMAN)
        ).all()
        assert len(needs_human) == 1 and "may have sent" in (needs_human[0].last_error or "")


def test_killed_between_sends_the_next_worker_finishes_the_broadcast(
    harbor: Harbor, http: httpx.Client
) -> None:
    env = job_env(harbor.settings, ChannelOutbox(harbor.deps), http, harbor.clock)
    leased = jobs.lease_due(harbor.url, limit=20, now=harbor.clock())
    assert len(leased) == len(CUSTOMERS)
    first, second, *_ = leased
    jobs.record_outcome(harbor.url, first, jobs.run_job(first, env), now=harbor.clock())
    jobs.run_job(second, env)  # sent and recorded on the delivery; the job's mark is lost
    # ... the worker dies here, holding the leases of the rest.
    assert sum(harbor.replies().values()) == 2
    harbor.clock.advance(6 * 60)
    harbor.run(ChannelOutbox(harbor.deps), http)
    assert harbor.replies() == dict.fromkeys(CUSTOMERS, 1)
    assert set(harbor.states().values()) == {"sent"}


def test_a_rate_limited_broadcast_waits_for_the_window_without_counting_failures(
    harbor: Harbor, http: httpx.Client
) -> None:
    harbor.x.faults.add(FaultKind.RATE_LIMIT, path="/2/tweets", method="POST", reset_in=120.0)
    impatient = ChannelDeps(timeout=3.0, retry=RetryPolicy(max_rate_limit_wait=1.0))
    start = harbor.clock()
    harbor.run(ChannelOutbox(impatient), http)
    assert harbor.replies() == dict.fromkeys(CUSTOMERS, 0)
    assert set(harbor.states().values()) == {"queued"}
    with transaction(harbor.url) as session:
        queued = session.scalars(select(AutomationJob)).all()
        assert {j.status for j in queued} == {"queued"}
        assert {j.attempts for j in queued} == {0}  # waiting for a window is not a failed try
        assert all(j.due_at > start + timedelta(seconds=60) for j in queued)
        # Only the send that met the limit left a failed reply; the rest waited for the window.
        failed = session.scalars(select(ReplyDraft).where(ReplyDraft.status == "failed")).all()
        assert len(failed) == 1
    harbor.x.faults.clear()
    harbor.clock.advance(180)
    harbor.run(ChannelOutbox(harbor.deps), http)
    assert harbor.replies() == dict.fromkeys(CUSTOMERS, 1)
    assert set(harbor.states().values()) == {"sent"}
