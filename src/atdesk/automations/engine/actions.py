"""Doing each rule action to a case, audited, through the services that own the change.

Each action type registers how it runs and how the dry run describes it (`@action`): the core
case actions here, the others beside their sub-domain (outbound, callbacks, appointments, city
reports, bot), so the engine never imports them; atdesk.worker imports every ACTION_MODULE.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import func, select

from atdesk.audit import service as audit
from atdesk.automations.engine.context import ActionContext, Outcome
from atdesk.automations.engine.inputs import ActionKind, Input, values_of
from atdesk.automations.engine.rules import (
    Action,
    AssignTeamAction,
    EscalateAction,
    HideAction,
    PriorityAction,
    TagAction,
)
from atdesk.cases.actions import add_tags, resolve_case, set_escalated, set_priority
from atdesk.cases.service import snapshot
from atdesk.domain.triage import Priority
from atdesk.models import Post, Team

A = TypeVar("A", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class ActionDef:
    """How one action type runs, and how the dry run says what it would do."""

    shape: type[BaseModel]
    run: Callable[[ActionContext, Any], Outcome]
    describe: Callable[[ActionContext, Any], str]
    kind: ActionKind
    """How the rule form offers it: label and parameters."""


ACTIONS: dict[str, ActionDef] = {}


def action(
    name: str,
    shape: type[A],
    *,
    describe: Callable[[ActionContext, A], str],
    label: str,
    inputs: tuple[Input, ...] = (),
) -> Callable[[Callable[[ActionContext, A], Outcome]], Callable[[ActionContext, A], Outcome]]:
    """Register the run function of the action type `name` (its `type:` in a rule, validated
    as `shape`), how the dry run describes it, and how the rule form offers it."""

    def register(
        run: Callable[[ActionContext, A], Outcome],
    ) -> Callable[[ActionContext, A], Outcome]:
        ACTIONS[name] = ActionDef(shape, run, describe, ActionKind(name, label, shape, inputs))
        return run

    return register


def run_action(ctx: ActionContext, action: Action) -> Outcome:
    """Carry out one action for the context's post; the outcome says what happened."""
    return ACTIONS[action.type].run(ctx, action)


def describe_action(ctx: ActionContext, action: Action) -> str:
    """What the action would do for this post, in words, without doing it."""
    return ACTIONS[action.type].describe(ctx, action)


@action(
    "tag",
    TagAction,
    describe=lambda ctx, a: f"tag the case {', '.join(a.tags)}",
    label="Tag",
    inputs=(Input("tags", "Tags", "list", required=True, help="comma-separated"),),
)
def tag(ctx: ActionContext, action: TagAction) -> Outcome:
    """Add the rule's tags to the case."""
    new = add_tags(ctx.session, ctx.case, action.tags, actor=ctx.actor)
    return Outcome("tag", "done" if new else "skipped", ", ".join(new) or "already tagged")


@action(
    "set_priority",
    PriorityAction,
    describe=lambda ctx, a: f"set priority {a.priority.value}",
    label="Set priority",
    inputs=(Input("priority", "Priority", "select", values_of(Priority), required=True),),
)
def priority(ctx: ActionContext, action: PriorityAction) -> Outcome:
    """Set the case's priority (it then stays, as if set by hand)."""
    changed = set_priority(ctx.session, ctx.case, action.priority, actor=ctx.actor)
    return Outcome("set_priority", "done" if changed else "skipped", action.priority.value)


@action(
    "assign_team",
    AssignTeamAction,
    describe=lambda ctx, a: f"put the case in team {a.team}",
    label="Assign to a team",
    inputs=(Input("team", "Team", "text", required=True, suggest="teams"),),
)
def assign_team(ctx: ActionContext, action: AssignTeamAction) -> Outcome:
    """Put the case in the named team's queue."""
    return _assign_team(ctx, action.team)


@action(
    "escalate", EscalateAction, describe=lambda ctx, a: "escalate to supervisors", label="Escalate"
)
def escalate(ctx: ActionContext, action: EscalateAction) -> Outcome:
    """Flag the case for supervisors."""
    changed = set_escalated(ctx.session, ctx.case, True, actor=ctx.actor)
    return Outcome("escalate", "done" if changed else "skipped", "escalated")


@action(
    "hide_noise",
    HideAction,
    describe=lambda ctx, a: "hide the post as noise",
    label="Hide as noise",
)
def hide(ctx: ActionContext, action: HideAction) -> Outcome:
    """Hide the post as noise."""
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
