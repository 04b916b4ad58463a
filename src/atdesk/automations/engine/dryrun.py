"""The dry run: which of the last N posts would this rule have matched, and what would it do.

Nothing is written and nothing is sent: each action is described from the same reads the real
action makes (the customer record, the window, the slots, the knowledge base, the city
settings), so what the admin sees before saving is what the rule will do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.automations.appointments.rescheduling import first_free_day, search_day
from atdesk.automations.appointments.visit_picker import Ambiguous, NoMatch
from atdesk.automations.appointments.visit_question import choose_visit
from atdesk.automations.bot.actions import decide
from atdesk.automations.callbacks.actions import callback_window
from atdesk.automations.engine.conditions import CONFIDENCE, evaluate
from atdesk.automations.engine.context import ActionContext, facts_of
from atdesk.automations.engine.evaluation import held_reason
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
    RuleSpec,
    TagAction,
    WebhookAction,
)
from atdesk.automations.engine.settings import brand_config
from atdesk.config import Settings
from atdesk.integrations.appointments import NoAvailability, render_offer
from atdesk.models import Brand, Case, Post, RuleRun
from atdesk.respond.dm import move_to_dm_text
from atdesk.respond.outbox import DeliveryError, brand_account

DEFAULT_LIMIT = 50


@dataclass(slots=True)
class DryRunRow:
    """One recent post: did the rule match, why not, or what it would have done."""

    post_id: int
    case_id: int | None
    created_at: datetime
    author: str
    text: str
    intent: str | None
    intent_confidence: float | None
    matched: bool
    failed: str | None = None
    would: list[str] = field(default_factory=list)
    already_acted: bool = False


def dry_run(
    session: Session,
    settings: Settings,
    brand: Brand,
    spec: RuleSpec,
    *,
    now: datetime,
    limit: int = DEFAULT_LIMIT,
    rule_id: int | None = None,
) -> list[DryRunRow]:
    """The brand's last `limit` customer posts against `spec`, newest first."""
    config = brand_config(session, brand, settings)
    posts = session.scalars(
        select(Post)
        .where(Post.brand_id == brand.id, Post.inbound.is_(True), Post.filtered_reason.is_(None))
        .order_by(Post.created_at.desc(), Post.id.desc())
        .limit(limit)
    ).all()
    acted: set[int] = set()
    if rule_id is not None:
        acted = set(session.scalars(select(RuleRun.post_id).where(RuleRun.rule_id == rule_id)))
    rows = []
    for post in posts:
        facts = facts_of(post, post.author, config)
        verdict = evaluate(spec.when, facts, min_confidence=spec.confidence_floor)
        row = DryRunRow(
            post_id=post.id,
            case_id=post.case_id,
            created_at=post.created_at,
            author=post.author.handle,
            text=post.text,
            intent=post.intent,
            intent_confidence=post.intent_confidence,
            matched=verdict.matched,
            failed=verdict.failed,
            already_acted=post.id in acted,
        )
        case = session.get(Case, post.case_id) if post.case_id else None
        if verdict.matched and case is not None:
            ctx = ActionContext(
                session=session,
                settings=settings,
                brand=brand,
                config=config,
                post=post,
                case=case,
                author=post.author,
                now=now,
                rule_id=rule_id,
                rule_name=spec.name,
            )
            row.would = [describe(ctx, action) for action in spec.then]
        elif verdict.failed == CONFIDENCE:
            row.would = [f"leave it to an agent: {held_reason(spec, facts)}"]
        rows.append(row)
    return rows


def describe(ctx: ActionContext, action: Action) -> str:
    """What the action would do for this post, in words, without doing it."""
    if isinstance(action, TagAction):
        return f"tag the case {', '.join(action.tags)}"
    if isinstance(action, PriorityAction):
        return f"set priority {action.priority.value}"
    if isinstance(action, AssignTeamAction):
        return f"put the case in team {action.team}"
    if isinstance(action, AutoReplyAction):
        return f"reply: “{action.template.format(**ctx.template_values())}”"
    if isinstance(action, MoveToDmAction):
        if ctx.post.direct:
            return "nothing: the conversation is already private"
        try:
            public, _ = move_to_dm_text(
                brand_account(ctx.session, ctx.brand.id, ctx.post.network), ctx.first_name
            )
        except (DeliveryError, ValueError) as exc:
            return f"hand the case to a person: {exc}"
        return f"reply: “{public}”"
    if isinstance(action, CallbackAction):
        return _describe_callback(ctx)
    if isinstance(action, RescheduleAction):
        return _describe_reschedule(ctx, action)
    if isinstance(action, Open311Action):
        return _describe_open311(ctx)
    if isinstance(action, BotAnswerAction):
        decision = decide(ctx, action.threshold or ctx.config.bot_threshold)
        if decision.answer:
            return f"answer as the bot from {decision.reason}"
        return f"hand to a person: {decision.reason}"
    if isinstance(action, EscalateAction):
        return "escalate to supervisors"
    if isinstance(action, WebhookAction):
        return f"send a signed event to {action.url}"
    assert isinstance(action, HideAction)
    return "hide the post as noise"


def _describe_callback(ctx: ActionContext) -> str:
    window, passed = callback_window(ctx)
    when = window.describe(ctx.config.tz) + (" (named time passed)" if passed else "")
    customer = ctx.customer
    if customer is not None and customer.phone:
        return f"queue a callback {when} to the number on {customer.name or 'the record'}"
    return f"send a verification link by DM, then queue a callback {when}"


def _describe_reschedule(ctx: ActionContext, action: RescheduleAction) -> str:
    customer = ctx.customer
    if customer is None:
        return "send a verification link by DM, then offer slots"
    choice = choose_visit(ctx, customer)
    if isinstance(choice.result, NoMatch):
        return f"hand to a person: {choice.result.reason}"
    if isinstance(choice.result, Ambiguous):
        return f"ask by DM which visit to move: {choice.result.reason}"
    visit = choice.appointment()
    assert visit is not None
    duration = visit.end_at - visit.start_at
    asked = choice.asked
    result = (
        search_day(
            ctx.session,
            visit,
            ctx.config,
            day=asked.day,
            within=asked.within,
            now=ctx.now,
            limit=action.limit,
            duration=duration,
        )
        if asked is not None
        else first_free_day(ctx, visit, action.limit, duration)
    )
    if isinstance(result, NoAvailability):
        return f"say there is no free time and hand to a person: {result.reason}"
    options = render_offer(result).splitlines()[1:-1]
    return "offer by DM: " + "; ".join(options)


def _describe_open311(ctx: ActionContext) -> str:
    if ctx.config.open311 is None:
        return "nothing: no Open311 endpoint is configured"
    where = (
        f"lat {ctx.post.lat:.5f}, long {ctx.post.lon:.5f}"
        if ctx.post.lat is not None and ctx.post.lon is not None
        else ", ".join(ctx.entities.locations) or "no location (a person would be asked)"
    )
    return f"file with {ctx.config.open311.url} at {where}"
