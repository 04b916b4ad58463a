"""Doing each rule action to a case, audited, through the services that own the change."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from atdesk.audit import service as audit
from atdesk.automations.appointments.rescheduling import offer_reschedule
from atdesk.automations.bot.actions import bot_answer
from atdesk.automations.callbacks.actions import request_callback
from atdesk.automations.cityreports.actions import file_report
from atdesk.automations.engine.context import ActionContext, Outcome
from atdesk.automations.engine.rules import (
    Action,
    AssignTeamAction,
    AutoReplyAction,
    BotAnswerAction,
    CallbackAction,
    EscalateAction,
    HideAction,
    MoveToDmAction,
    Open311Action,
    PriorityAction,
    RescheduleAction,
    TagAction,
    WebhookAction,
)
from atdesk.automations.outbound.handoff import move_to_dm
from atdesk.automations.outbound.service import queue_message
from atdesk.automations.outbound.tasks import WEBHOOK_JOB
from atdesk.cases.actions import add_tags, resolve_case, set_escalated, set_priority
from atdesk.cases.service import snapshot
from atdesk.jobs import queue as jobs
from atdesk.models import Post, Team


def run_action(ctx: ActionContext, action: Action) -> Outcome:
    """Carry out one action for the context's post; the outcome says what happened."""
    if isinstance(action, TagAction):
        new = add_tags(ctx.session, ctx.case, action.tags, actor=ctx.actor)
        return Outcome("tag", "done" if new else "skipped", ", ".join(new) or "already tagged")
    if isinstance(action, PriorityAction):
        changed = set_priority(ctx.session, ctx.case, action.priority, actor=ctx.actor)
        return Outcome("set_priority", "done" if changed else "skipped", action.priority.value)
    if isinstance(action, AssignTeamAction):
        return _assign_team(ctx, action.team)
    if isinstance(action, AutoReplyAction):
        queued = queue_message(
            ctx,
            action.template.format(**ctx.template_values()),
            private=ctx.post.direct,
            purpose=f"auto-reply-{ctx.rule_id}",
        )
        if queued.job is None:
            return Outcome("auto_reply", "skipped", queued.skipped)
        return Outcome("auto_reply", "queued", "reply from template", {"job": queued.job.id})
    if isinstance(action, MoveToDmAction):
        return move_to_dm(ctx)
    if isinstance(action, CallbackAction):
        return request_callback(ctx)
    if isinstance(action, RescheduleAction):
        return offer_reschedule(ctx, action)
    if isinstance(action, Open311Action):
        return file_report(ctx)
    if isinstance(action, BotAnswerAction):
        return bot_answer(ctx, action.threshold or ctx.config.bot_threshold)
    if isinstance(action, EscalateAction):
        changed = set_escalated(ctx.session, ctx.case, True, actor=ctx.actor)
        return Outcome("escalate", "done" if changed else "skipped", "escalated")
    if isinstance(action, WebhookAction):
        return _webhook(ctx, action)
    assert isinstance(action, HideAction)
    return _hide(ctx)


def _assign_team(ctx: ActionContext, name: str) -> Outcome:
    team = ctx.session.scalar(select(Team).where(func.lower(Team.name) == name.strip().lower()))
    if team is None:
        return Outcome(
            "assign_team", "skipped", f"no team named {name!r}; create it or fix the rule"
        )
    if ctx.case.team_id == team.id:
        return Outcome("assign_team", "skipped", f"already in {team.name}")
    before = snapshot(ctx.case)
    ctx.case.team_id = team.id
    ctx.session.flush()
    audit.record(
        ctx.session,
        entity_type="case",
        entity_id=ctx.case.id,
        action="case.team",
        actor=ctx.actor,
        before=before,
        after=snapshot(ctx.case),
    )
    return Outcome("assign_team", "done", team.name)


def _webhook(ctx: ActionContext, action: WebhookAction) -> Outcome:
    """A signed event for the URL; the secret is read from the rule when it is sent."""
    url_key = uuid.uuid5(uuid.NAMESPACE_URL, action.url).hex[:8]
    event_id = f"rule-{ctx.rule_id}-post-{ctx.post.id}-{url_key}"
    job = jobs.enqueue(
        ctx.session,
        kind=WEBHOOK_JOB,
        key=f"{WEBHOOK_JOB}:{event_id}",
        brand_id=ctx.brand.id,
        case_id=ctx.case.id,
        payload={
            "target": "rule",
            "rule_id": ctx.rule_id,
            "url": action.url,
            "event_id": event_id,
            "type": "case.rule_matched",
            "data": {
                "rule": ctx.rule_name,
                "case": {
                    "id": ctx.case.id,
                    "brand_id": ctx.case.brand_id,
                    "status": ctx.case.status,
                    "priority": ctx.case.priority,
                    "intent": ctx.case.intent,
                    "network": ctx.case.network,
                },
                "post": {
                    "id": ctx.post.id,
                    "network": ctx.post.network,
                    "native_id": ctx.post.native_id,
                },
            },
        },
    )
    return Outcome("webhook", "queued", action.url, {"job": job.id})


def _hide(ctx: ActionContext) -> Outcome:
    """Hide the post; resolve the case when no other customer post in it is still visible."""
    ctx.post.filtered_reason = f"rule:{ctx.rule_id}"
    ctx.session.flush()
    visible = ctx.session.scalar(
        select(func.count())
        .select_from(Post)
        .where(Post.case_id == ctx.case.id, Post.inbound.is_(True), Post.filtered_reason.is_(None))
    )
    audit.record(
        ctx.session,
        entity_type="case",
        entity_id=ctx.case.id,
        action="automation.hidden",
        actor=ctx.actor,
        after={"post_id": ctx.post.id},
    )
    if not visible and resolve_case(ctx.session, ctx.case, actor=ctx.actor):
        return Outcome("hide_noise", "done", "post hidden; case resolved")
    return Outcome("hide_noise", "done", "post hidden")
