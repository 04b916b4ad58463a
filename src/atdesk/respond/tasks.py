"""Sending queued automated messages through the respond stage, as the automation's own user.

The respond stage is the one delivery path: its length rules, PII guard, approval hold on
sensitive cases, reply claim and channel clients apply to automated messages exactly as to
an agent's. The sender is the `atdesk-automation` user (it cannot log in and is never
routed cases), so automated and bot posts are marked in the thread by who sent them.
"""

from __future__ import annotations

from typing import cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.accounts.passwords import hash_password
from atdesk.domain.cases import Role
from atdesk.domain.retry import next_retry_delay
from atdesk.jobs import queue as jobs
from atdesk.models import Case, ReplyDraft, User
from atdesk.respond.outbox import ChannelOutbox, Outbox
from atdesk.respond.service import ReplyRequest, submit_reply
from atdesk.respond.unconfirmed import SENDING, UNCONFIRMED
from atdesk.storage.session import transaction

AUTOMATION_USERNAME = "atdesk-automation"
AUTOMATION_NAME = "atdesk automation"
MESSAGE_JOB = "message.send"
_CONFLICT = "replied to this case while you were writing"


def lent_outbox(env: jobs.JobEnv) -> Outbox:
    """The outbox the worker lent the job (tests lend emulators), else the networks themselves."""
    return cast(Outbox, env.outbox) if env.outbox is not None else ChannelOutbox()


def automation_user(session: Session) -> User:
    """The user automated messages are sent as; made on first use, never able to log in."""
    user = session.scalar(select(User).where(User.username == AUTOMATION_USERNAME))
    if user is None:
        import secrets

        user = User(
            username=AUTOMATION_USERNAME,
            display_name=AUTOMATION_NAME,
            role=Role.AGENT.value,
            password_hash=hash_password(secrets.token_urlsafe(32)),
            active=False,
        )
        session.add(user)
        session.flush()
    return user


@jobs.handler(MESSAGE_JOB)
def run_message(job: jobs.JobView, env: jobs.JobEnv) -> jobs.JobOutcome:
    """Submit the message as a reply, once per job: no lock is held while the network answers
    (the respond stage commits the draft first), and a retry finds what an earlier try did."""
    payload = job.payload
    with transaction(env.settings.database_url) as session:
        earlier = session.scalar(
            select(ReplyDraft).where(ReplyDraft.job_id == job.id).order_by(ReplyDraft.id.desc())
        )
        if earlier is not None and earlier.status != "failed":
            return _after_earlier_try(earlier)
        case = session.get(Case, int(payload["case_id"]))
        if case is None:
            return jobs.JobOutcome.done(skipped="the case is gone")
        private = bool(payload.get("private"))
        user = automation_user(session)
        outcome = None
        for _ in range(2):
            outcome = submit_reply(
                session,
                case,
                user,
                ReplyRequest(
                    text=str(payload["text"]),
                    mode="private" if private else "public",
                    version=case.reply_version or 0,
                    reply_to_post_id=None if private else payload.get("reply_to_post_id"),
                    job_id=job.id,
                ),
                lent_outbox(env),
            )
            if outcome.status != "refused" or _CONFLICT not in outcome.message:
                break
        assert outcome is not None
        if outcome.status == "sent":
            return jobs.JobOutcome.done(
                post_id=outcome.post.id if outcome.post else None, status="sent"
            )
        if outcome.status == "held":
            return jobs.JobOutcome.done(
                draft_id=outcome.draft.id if outcome.draft else None, status="held"
            )
    if outcome.status == "failed":  # the failed draft stays on the case; the job tries again
        delay = next_retry_delay(job.attempt)
        if delay is None:
            return jobs.JobOutcome.needs_human(
                f"gave up after {job.attempt} tries: {outcome.message}"
            )
        return jobs.JobOutcome.retry(delay, outcome.message)
    return jobs.JobOutcome.needs_human(f"the respond stage refused the message: {outcome.message}")


def _after_earlier_try(draft: ReplyDraft) -> jobs.JobOutcome:
    """What an earlier run of this job did decides this one (its mark was lost in a crash)."""
    if draft.status == "sent":
        return jobs.JobOutcome.done(post_id=draft.sent_post_id, status="sent")
    if draft.status in (SENDING, UNCONFIRMED):
        return jobs.JobOutcome.needs_human(
            f"an earlier try may have sent this message (reply {draft.id} is {draft.status}); "
            "check the network before retrying"
        )
    # Held, approved or rejected: the approval flow has it.
    status = "held" if draft.status == "pending" else draft.status
    return jobs.JobOutcome.done(draft_id=draft.id, status=status)
