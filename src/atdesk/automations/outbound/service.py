"""Automated replies and private messages, queued as jobs in the deciding transaction.

Every automated message is queued here, and only after the limits (`message_limits.decide`)
allow it: the one place an automation can reach a customer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.automations.engine.context import ActionContext
from atdesk.automations.outbound.limits import QUEUED, RuleRef, decide
from atdesk.jobs import queue as jobs
from atdesk.models import AutomationJob, Post
from atdesk.models.base import utcnow
from atdesk.respond.tasks import MESSAGE_JOB
from atdesk.respond.texts import BOT_MARK, fit


@dataclass(frozen=True, slots=True)
class Queued:
    """The message's job, or why the limits skipped it (recorded on the case)."""

    job: AutomationJob | None
    skipped: str = ""


def queue_text(
    session: Session,
    *,
    post: Post,
    case_id: int,
    brand_id: int,
    text: str,
    private: bool,
    purpose: str,
    now: datetime | None = None,
    rule: RuleRef | None = None,
    follow_up_of: int | None = None,
    bot: bool = False,
    keep_tail: str = "",
    key: str | None = None,
) -> Queued:
    """Answer `post`'s author in public (or privately), if the limits allow; `purpose` + the
    post make the job unique, so a replayed post never sends the same message twice."""
    key = key or f"{MESSAGE_JOB}:{purpose}:post:{post.id}"
    existing = session.scalar(select(AutomationJob).where(AutomationJob.key == key))
    if existing is not None:
        return Queued(existing)
    decision = decide(
        session,
        post=post,
        case_id=case_id,
        brand_id=brand_id,
        purpose=purpose,
        now=now or utcnow(),
        rule=rule,
        follow_up_of=follow_up_of,
    )
    if decision.status != QUEUED:
        return Queued(None, decision.reason)
    private = private or post.direct
    body = fit(
        post.network,
        (BOT_MARK if bot else "") + text,
        private=private,
        keep_tail=keep_tail,
        to=post.author.handle,
    )
    job = jobs.enqueue(
        session,
        kind=MESSAGE_JOB,
        key=key,
        brand_id=brand_id,
        case_id=case_id,
        payload={
            "case_id": case_id,
            "reply_to_post_id": post.id,
            "author_id": post.author_id,
            "private": private,
            "text": body,
            "bot": bot,
            "purpose": purpose,
            "automated_message_id": decision.id,
            "rule_id": decision.rule_id,
            "rule_name": decision.rule_name,
        },
        looked_up=True,  # above, before the decision
    )
    decision.job_id = job.id
    session.flush()
    return Queued(job)


def queue_message(
    ctx: ActionContext,
    text: str,
    *,
    private: bool,
    purpose: str,
    bot: bool = False,
    keep_tail: str = "",
    key: str | None = None,
) -> Queued:
    """`queue_text` for the post an action is working on, as its rule's message (or as a
    follow-up when the context answers an earlier automated message)."""
    rule = RuleRef(ctx.rule_id, ctx.rule_name) if ctx.rule_id is not None else None
    return queue_text(
        ctx.session,
        post=ctx.post,
        case_id=ctx.case.id,
        brand_id=ctx.brand.id,
        text=text,
        private=private,
        purpose=purpose,
        now=ctx.now,
        rule=rule,
        follow_up_of=ctx.follow_up_of,
        bot=bot,
        keep_tail=keep_tail,
        key=key,
    )
