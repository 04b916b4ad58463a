"""Sending one incident update to one customer, through the respond stage, exactly once.

Each delivery has its own job. The respond stage commits the reply as `sending` (with the
delivery) before the network call, so a run that finds its job's earlier reply knows what
happened: sent (nothing to do), failed (try again) or left `sending` by a process that died
mid-call (a person checks the network; it is never sent again on a guess). A crash between
two sends loses nothing: every other delivery is a queued job of its own (ADR 87).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from atdesk.channels.base import Sent
from atdesk.channels.errors import RateLimited
from atdesk.domain.retry import next_retry_delay
from atdesk.insights.incidents.updates import (
    DELIVERED,
    DELIVERY_JOB,
    FAILED,
    GIVEN_UP,
    HELD,
    QUEUED,
    REFUSED,
    SENDING,
    UNCONFIRMED,
)
from atdesk.jobs import queue as jobs
from atdesk.models import (
    AutomationJob,
    Case,
    ChannelAccount,
    IncidentDelivery,
    IncidentUpdate,
    ReplyDraft,
    User,
)
from atdesk.respond.outbox import Outbox, Outgoing
from atdesk.respond.service import Outcome, ReplyRequest, submit_reply
from atdesk.respond.tasks import lent_outbox
from atdesk.respond.unconfirmed import SENDING as DRAFT_SENDING
from atdesk.respond.unconfirmed import UNCONFIRMED as DRAFT_UNCONFIRMED
from atdesk.storage.session import transaction

_CONFLICT = "replied to this case while you were writing"
# (database, brand, network) -> when the network's rate-limit window reopens, as this process
# last heard it: the rest of a leased batch waits for it instead of each try ending in a failed
# reply. A cache, like the channels' RateLimitBook: after a restart the first send learns it.
_WINDOWS: dict[tuple[str, int, str], datetime] = {}


class _WatchRateLimits:
    """The lent outbox, remembering a rate limit it hit so the job can wait for the window."""

    def __init__(self, outbox: Outbox) -> None:
        self.outbox = outbox
        self.limited: RateLimited | None = None

    def send(self, account: ChannelAccount, message: Outgoing) -> Sent[Any]:
        """Send; a refusal until the window resets is kept before it propagates."""
        try:
            return self.outbox.send(account, message)
        except RateLimited as exc:
            self.limited = exc
            raise


@jobs.handler(DELIVERY_JOB)
def run_delivery(job: jobs.JobView, env: jobs.JobEnv) -> jobs.JobOutcome:
    """Send one customer's update, or say why not; a retry finds what an earlier try did."""
    with transaction(env.settings.database_url) as session:
        delivery = session.get(IncidentDelivery, int(job.payload["delivery_id"]))
        if delivery is None:
            return jobs.JobOutcome.done(skipped="the update is gone")
        if delivery.status in (DELIVERED, HELD):
            return jobs.JobOutcome.done(status=delivery.status)
        earlier = session.scalar(
            select(ReplyDraft).where(ReplyDraft.job_id == job.id).order_by(ReplyDraft.id.desc())
        )
        if earlier is not None and earlier.status != "failed":
            return _after_earlier_try(delivery, earlier)
        case = session.get(Case, delivery.case_id)
        upd = session.get(IncidentUpdate, delivery.update_id)
        if case is None or upd is None:
            return jobs.JobOutcome.done(skipped="the case is gone")
        window = (env.settings.database_url, case.brand_id, case.network)
        reopens = _WINDOWS.get(window)
        if reopens is not None and reopens > env.now():
            wait = (reopens - env.now()).total_seconds()
            return jobs.JobOutcome.again(wait, reason="waiting for the network's rate limit")
        sender = session.get(User, upd.created_by_user_id)
        assert sender is not None
        outbox = _WatchRateLimits(lent_outbox(env))
        delivery.status = SENDING  # committed with the reply, before the network call
        outcome = _submit(session, case, sender, delivery, job.id, outbox)
        return _record(session, job, env, delivery, case, outcome, outbox.limited)


def _submit(
    session: Session,
    case: Case,
    sender: User,
    delivery: IncidentDelivery,
    job_id: int,
    outbox: Outbox,
) -> Outcome:
    """The respond stage's one delivery path; a reply racing ours is waited out once."""
    outcome: Outcome | None = None
    for _ in range(2):
        outcome = submit_reply(
            session,
            case,
            sender,
            ReplyRequest(
                text=delivery.text,
                mode=delivery.mode,
                version=case.reply_version or 0,
                confirm_pii=True,  # the brand's own words, written once for everyone
                job_id=job_id,
            ),
            outbox,
        )
        if outcome.status != "refused" or _CONFLICT not in outcome.message:
            break
    assert outcome is not None
    return outcome


def _record(
    session: Session,
    job: jobs.JobView,
    env: jobs.JobEnv,
    delivery: IncidentDelivery,
    case: Case,
    outcome: Outcome,
    limited: RateLimited | None,
) -> jobs.JobOutcome:
    """Write what became of the send on the delivery and say what the job does next."""
    delivery.draft_id = outcome.draft.id if outcome.draft else delivery.draft_id
    if outcome.status == "sent":
        delivery.status, delivery.error = DELIVERED, None
        delivery.sent_post_id = outcome.post.id if outcome.post else None
        delivery.sent_at = env.now()
        return jobs.JobOutcome.done(status="sent", post_id=delivery.sent_post_id)
    if outcome.status == "held":
        delivery.status, delivery.error = HELD, "waits in Approvals (sensitive case)"
        return jobs.JobOutcome.done(status="held")
    delivery.error = outcome.message[:2000]
    if outcome.status == "failed" and limited is not None:
        # Not a failed try: the network said when to come back. The brand's other queued
        # deliveries wait for the same window instead of each learning it by a refusal.
        delivery.status = QUEUED
        key = (env.settings.database_url, case.brand_id, case.network)
        _WINDOWS[key] = env.now() + timedelta(seconds=limited.retry_after)
        _hold_siblings(session, case, job.id, env, limited.retry_after)
        return jobs.JobOutcome.again(limited.retry_after, reason=outcome.message)
    if outcome.status == "failed":
        delay = next_retry_delay(job.attempt)
        if delay is None:
            delivery.status = GIVEN_UP
            return jobs.JobOutcome.needs_human(
                f"gave up after {job.attempt} tries: {outcome.message}"
            )
        delivery.status = FAILED
        return jobs.JobOutcome.retry(delay, outcome.message)
    delivery.status = REFUSED
    return jobs.JobOutcome.needs_human(f"the respond stage refused the update: {outcome.message}")


def _hold_siblings(
    session: Session, case: Case, job_id: int, env: jobs.JobEnv, after_s: float
) -> None:
    """Move the brand's other queued deliveries on this network to the end of the window."""
    until = env.now() + timedelta(seconds=after_s)
    same_network = select(Case.id).where(
        Case.brand_id == case.brand_id, Case.network == case.network
    )
    session.execute(
        update(AutomationJob)
        .where(
            AutomationJob.kind == DELIVERY_JOB,
            AutomationJob.brand_id == case.brand_id,
            AutomationJob.case_id.in_(same_network),
            AutomationJob.status == jobs.QUEUED,
            AutomationJob.id != job_id,
            AutomationJob.due_at < until,
        )
        .values(due_at=until)
        .execution_options(synchronize_session=False)
    )


def _after_earlier_try(delivery: IncidentDelivery, draft: ReplyDraft) -> jobs.JobOutcome:
    """What an earlier run of this job did decides this one (its mark was lost in a crash)."""
    delivery.draft_id = draft.id
    if draft.status == "sent":
        delivery.status, delivery.sent_post_id = DELIVERED, draft.sent_post_id
        return jobs.JobOutcome.done(post_id=draft.sent_post_id, status="sent")
    if draft.status in (DRAFT_SENDING, DRAFT_UNCONFIRMED):
        delivery.status = UNCONFIRMED
        delivery.error = (
            "The send started but its answer was never recorded (the process stopped). "
            "Check the network before sending it again."
        )
        return jobs.JobOutcome.needs_human(
            f"an earlier try may have sent this update (reply {draft.id} is {draft.status}); "
            "check the network before retrying"
        )
    delivery.status = HELD if draft.status == "pending" else draft.status
    return jobs.JobOutcome.done(draft_id=draft.id, status=delivery.status)
