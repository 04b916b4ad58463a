"""Automated replies and private messages, queued as jobs in the deciding transaction."""

from __future__ import annotations

from sqlalchemy.orm import Session

from atdesk.automations import jobs
from atdesk.automations.context import ActionContext
from atdesk.automations.texts import BOT_MARK, fit
from atdesk.models import AutomationJob, Post

MESSAGE_JOB = "message.send"


def queue_text(
    session: Session,
    *,
    post: Post,
    case_id: int,
    brand_id: int,
    text: str,
    private: bool,
    purpose: str,
    bot: bool = False,
    keep_tail: str = "",
    key: str | None = None,
) -> AutomationJob:
    """Answer `post`'s author in public (or privately); `purpose` + the post make the job
    unique, so a replayed post never sends the same message twice."""
    private = private or post.direct
    body = fit(
        post.network,
        (BOT_MARK if bot else "") + text,
        private=private,
        keep_tail=keep_tail,
        to=post.author.handle,
    )
    return jobs.enqueue(
        session,
        kind=MESSAGE_JOB,
        key=key or f"{MESSAGE_JOB}:{purpose}:post:{post.id}",
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
        },
    )


def queue_message(
    ctx: ActionContext,
    text: str,
    *,
    private: bool,
    purpose: str,
    bot: bool = False,
    keep_tail: str = "",
    key: str | None = None,
) -> AutomationJob:
    """`queue_text` for the post an action is working on."""
    return queue_text(
        ctx.session,
        post=ctx.post,
        case_id=ctx.case.id,
        brand_id=ctx.brand.id,
        text=text,
        private=private,
        purpose=purpose,
        bot=bot,
        keep_tail=keep_tail,
        key=key,
    )
