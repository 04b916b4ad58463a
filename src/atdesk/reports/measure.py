"""Per-case measurements from a case's posts and audit trail: pure functions, no database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from atdesk.cases.calendar import BusinessHours
from atdesk.domain.cases import CaseStatus

# Actors that resolve or hand over without being a person at the brand.
MACHINE_ACTORS = frozenset({"auto-resolve", "pipeline", "system", "bot", "open311", "cli"})
MACHINE_PREFIXES = ("automation", "atdesk-automation")


def is_machine_actor(actor: str | None) -> bool:
    """True for the pipeline, auto-resolve, bots and automation rules; False for a person."""
    if actor is None:
        return False
    return actor in MACHINE_ACTORS or actor.startswith(MACHINE_PREFIXES)


@dataclass(frozen=True, slots=True)
class PostPoint:
    """What measuring needs from one post of a case."""

    id: int
    created_at: datetime
    inbound: bool
    counts: bool  # an inbound post that asks something: not noise, a survey answer or listening
    by_automation: bool  # an outbound post sent by the automation user
    issue_id: int | None = None


@dataclass(frozen=True, slots=True)
class CaseInput:
    """The case row's own facts besides its posts."""

    opened_at: datetime
    status: str
    resolved_at: datetime | None
    resolved_by: str | None
    reopens: int
    handed_off: bool


@dataclass(frozen=True, slots=True)
class Measured:
    """The computed times and flags of one case."""

    opened_at: datetime
    inbound_posts: int
    issue_id: int | None
    first_response_at: datetime | None
    first_response_s: float | None
    first_response_bh_s: float | None
    next_response_s: float | None
    next_response_waits: int
    resolved_at: datetime | None
    resolution_s: float | None
    resolution_bh_s: float | None
    reopens: int
    human_replied: bool
    automation_replied: bool
    automated: bool
    handoff: bool


def _seconds(start: datetime, end: datetime) -> float:
    return max(0.0, (end - start).total_seconds())


def measure(case: CaseInput, posts: Sequence[PostPoint], hours: BusinessHours) -> Measured:
    """A case's first/next response and resolution times (wall and business) and its flags.

    First response: the case's first inbound post to the brand's first reply at or after it
    (SPEC §5). Next response: each time the customer writes again after a brand reply, the
    wait until the brand's next reply; the case keeps their mean. Resolution: opening to the
    case's (latest) resolution. Automated: resolved with no reply by a person and not resolved
    by a person. Handoff: an automation or bot handed it to a person (audited), or a person
    replied after an automated reply.
    """
    ordered = sorted(posts, key=lambda p: (p.created_at, p.id))
    customer = [p for p in ordered if p.inbound and p.counts]
    opened = customer[0].created_at if customer else case.opened_at
    first = next((p for p in ordered if not p.inbound and p.created_at >= opened), None)
    waits: list[float] = []
    if first is not None:
        waiting: datetime | None = None
        for post in ordered:
            if post.created_at < first.created_at or post is first:
                continue
            if post.inbound and post.counts and waiting is None:
                waiting = post.created_at
            elif not post.inbound and waiting is not None:
                waits.append(_seconds(waiting, post.created_at))
                waiting = None
    outbound = [p for p in ordered if not p.inbound]
    human = any(not p.by_automation for p in outbound)
    automation = any(p.by_automation for p in outbound)
    resolved = case.resolved_at if case.status == CaseStatus.RESOLVED.value else None
    automated = resolved is not None and not human and is_machine_actor(case.resolved_by)
    after_bot = False
    seen_bot = False
    for post in outbound:
        if post.by_automation:
            seen_bot = True
        elif seen_bot:
            after_bot = True
    issue = next((p.issue_id for p in customer if p.issue_id is not None), None)
    return Measured(
        opened_at=opened,
        inbound_posts=len(customer),
        issue_id=issue,
        first_response_at=first.created_at if first else None,
        first_response_s=_seconds(opened, first.created_at) if first else None,
        first_response_bh_s=(
            hours.elapsed(opened, first.created_at).total_seconds() if first else None
        ),
        next_response_s=sum(waits) / len(waits) if waits else None,
        next_response_waits=len(waits),
        resolved_at=resolved,
        resolution_s=_seconds(opened, resolved) if resolved else None,
        resolution_bh_s=hours.elapsed(opened, resolved).total_seconds() if resolved else None,
        reopens=case.reopens,
        human_replied=human,
        automation_replied=automation,
        automated=automated,
        handoff=case.handed_off or after_bot,
    )
