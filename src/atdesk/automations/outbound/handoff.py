"""Handing a case to a person with the reason, and moving a conversation to private messages."""

from __future__ import annotations

from sqlalchemy.orm import Session

from atdesk.audit import service as audit
from atdesk.automations.engine.context import ActionContext, Outcome
from atdesk.automations.outbound.service import queue_message
from atdesk.cases.actions import add_tags
from atdesk.models import Case
from atdesk.respond.dm import move_to_dm_text
from atdesk.respond.outbox import DeliveryError, brand_account

HANDOFF_TAG = "needs-human"


def hand_over(session: Session, case: Case, reason: str, *, actor: str) -> None:
    """Put the case in front of a person: tag it and write why in the audit trail."""
    add_tags(session, case, [HANDOFF_TAG], actor=actor)
    audit.record(
        session,
        entity_type="case",
        entity_id=case.id,
        action="automation.handoff",
        actor=actor,
        after={"reason": reason[:500]},
    )
    session.flush()


def move_to_dm(ctx: ActionContext) -> Outcome:
    """Reply in public with the network's way into a DM (X's deep link, a Bluesky profile
    link; on Mastodon the brand opens the private thread); the DM thread joins this case."""
    if ctx.post.direct:
        return Outcome("move_to_dm", "skipped", "the conversation is already private")
    try:
        account = brand_account(ctx.session, ctx.brand.id, ctx.post.network)
        public, opener = move_to_dm_text(account, ctx.first_name)
    except (DeliveryError, ValueError) as exc:
        hand_over(ctx.session, ctx.case, f"move to DM: {exc}", actor=ctx.actor)
        return Outcome("move_to_dm", "handed_off", str(exc))
    queued = queue_message(ctx, public, private=False, purpose="move-to-dm")
    if queued.job is None:
        return Outcome("move_to_dm", "skipped", queued.skipped)
    if opener:
        queue_message(ctx, opener, private=True, purpose="move-to-dm-opener")
    audit.record(
        ctx.session,
        entity_type="case",
        entity_id=ctx.case.id,
        action="automation.moved_to_dm",
        actor=ctx.actor,
        after={"post_id": ctx.post.id, "job_id": queued.job.id},
    )
    return Outcome("move_to_dm", "queued", "public reply with the way into a private chat")
