"""Sending queued automated messages through the respond stage, as the automation's own user.

The respond stage is the one delivery path: its length rules, PII guard, approval hold on
sensitive cases, reply claim and channel clients apply to automated messages exactly as to
an agent's. The sender is the `atdesk-automation` user (it cannot log in and is never
routed cases), so automated and bot posts are marked in the thread by who sent them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.accounts.passwords import hash_password
from atdesk.automations import jobs
from atdesk.automations.outbound import MESSAGE_JOB
from atdesk.domain.cases import Role
from atdesk.models import Case, User
from atdesk.respond.service import ReplyRequest, submit_reply

AUTOMATION_USERNAME = "atdesk-automation"
AUTOMATION_NAME = "atdesk automation"
_CONFLICT = "replied to this case while you were writing"


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
    """Submit the message as a reply; a failed send is undone and retried on the schedule."""
    payload = job.payload

    def send(session: Session) -> Mapping[str, Any] | None:
        case = session.get(Case, int(payload["case_id"]))
        if case is None:
            return {"skipped": "the case is gone"}
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
                ),
                env.outbox,
            )
            if outcome.status != "refused" or _CONFLICT not in outcome.message:
                break
        assert outcome is not None
        if outcome.status == "sent":
            return {"post_id": outcome.post.id if outcome.post else None, "status": "sent"}
        if outcome.status == "held":
            return {"draft_id": outcome.draft.id if outcome.draft else None, "status": "held"}
        if outcome.status == "failed":
            raise jobs.RetryJob(outcome.message)
        raise jobs.HandJobOver(f"the respond stage refused the message: {outcome.message}")

    return jobs.JobOutcome.done(effect=send)
