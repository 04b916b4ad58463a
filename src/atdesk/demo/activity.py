"""Three months of worked and resolved cases for each demo brand, with the agents' activity,
the bot's decisions and the X API spend, so /costs has figures to show from the first start.

The cases are the demo's own invented conversations (no replay text), stored as live posts
and marked resolved in place: no case events and no audit trail, so neither automations nor
surveys act on them. Handling time follows what a heartbeat would have recorded: some reading,
composing up to the reply, a last look before resolving. A quarter of the cases the bot
answered alone. Running it twice adds nothing (a brand with activity is left as it is).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.accounts.access import assignable_users
from atdesk.config import Settings
from atdesk.domain.cases import Role
from atdesk.domain.posts import RawEvent
from atdesk.models import (
    AgentActivity,
    ApiCallRecord,
    BotDecision,
    Brand,
    Case,
    Post,
    User,
)
from atdesk.pipeline.runner import process_events
from atdesk.storage.session import transaction

MONTHS = 3
CASES_PER_MONTH = (14, 22)  # a small brand's social queue, enough for a per-month figure
BOT_SHARE = 0.25
REPLY_MICROS = 15_000  # X's default price of creating a post ($0.015), as the ledger keeps it
ID_BASE = 1_990_000_000_000_000_000

QUESTIONS = (
    "@{h} my card payment failed twice today, is something down?",
    "@{h} how do I change the address on my account?",
    "@{h} still waiting on a reply to my email from last week",
    "@{h} can someone check why I was charged a late fee?",
    "@{h} the app keeps logging me out, any fix?",
    "@{h} what are your opening hours over the holidays?",
    "@{h} I need a copy of my last statement, where do I find it?",
    "@{h} booked a visit for Tuesday, can I move it to Thursday?",
)
ANSWERS = (
    "@{c} sorry about that! We have checked and it is sorted now. Anything else?",
    "@{c} thanks for waiting: the steps are in Settings > Profile. DM us if it sticks.",
    "@{c} we found it and fixed it on our side, it will show within the hour.",
)


@dataclass(frozen=True, slots=True)
class _Plan:
    """One invented case: when the customer wrote, the reply, the resolution, and who."""

    native_id: str
    customer: str
    question: str
    answer: str
    opened: datetime
    replied: datetime
    resolved: datetime
    by_bot: bool
    viewing_s: float
    composing_s: float
    last_look_s: float


def plant_activity(
    settings: Settings,
    brands: Sequence[dict[str, Any]],
    *,
    now: datetime,
    echo: Callable[[str], None],
) -> int:
    """Plant the worked cases of the last MONTHS months for each scenario brand; how many."""
    planted = 0
    with transaction(settings.database_url) as session:
        for index, spec in enumerate(brands):
            brand = session.scalar(select(Brand).where(Brand.name == spec["name"]))
            if brand is None or _has_activity(session, brand.id):
                continue
            planted += _plant_brand(session, brand, index, spec["x"], now=now)
    if planted:
        echo(f"costs demo: {planted} resolved cases with agents' handling time (see /costs)")
    return planted


def _has_activity(session: Session, brand_id: int) -> bool:
    found = session.scalar(
        select(AgentActivity.id).where(AgentActivity.brand_id == brand_id).limit(1)
    )
    return found is not None


def _plant_brand(
    session: Session, brand: Brand, index: int, x: Sequence[str], *, now: datetime
) -> int:
    handle, account_id = x[0], x[1]
    staff = [u for u in assignable_users(session, frozenset({brand.id})) if u.role == Role.AGENT]
    if not staff:
        staff = list(session.scalars(select(User).where(User.role == Role.AGENT.value)))
    if not staff:
        return 0
    plans = _plans(index, handle, now=now)
    events = []
    for plan in plans:
        customer_id = str(4_500_000_000 + int(plan.native_id) % 1_000_000)
        events.append(
            _event(plan.native_id, plan.question, plan.opened, customer_id, plan.customer, None)
        )
        events.append(
            _event(
                str(int(plan.native_id) + 1),
                plan.answer,
                plan.replied,
                account_id,
                handle,
                plan.native_id,
            )
        )
    process_events(session, events)
    for n, plan in enumerate(plans):
        post = session.scalar(
            select(Post).where(Post.network == "x", Post.native_id == plan.native_id)
        )
        case = session.get(Case, post.case_id) if post is not None and post.case_id else None
        if case is None:
            continue
        agent = staff[n % len(staff)]
        _resolve(case, plan, agent)
        _record(session, case, plan, agent, post, handle)
    return len(plans)


def _plans(index: int, handle: str, *, now: datetime) -> list[_Plan]:
    """Deterministic per brand: the same demo day plants the same cases."""
    rng = random.Random(7919 * (index + 1))
    this_month = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    plans: list[_Plan] = []
    for back in range(MONTHS - 1, -1, -1):
        start = _months_before(this_month, back)
        end = min(_months_before(this_month, back - 1), now - timedelta(hours=6))
        span = (end - start).total_seconds()
        if span <= 3600:
            continue
        for _ in range(rng.randint(*CASES_PER_MONTH)):
            native = ID_BASE + index * 10_000_000 + len(plans) * 2
            opened = start + timedelta(seconds=rng.uniform(0, span - 3 * 3600))
            by_bot = rng.random() < BOT_SHARE
            first_reply = timedelta(minutes=rng.uniform(1, 3) if by_bot else rng.uniform(8, 95))
            customer = f"demo_{handle}_{len(plans)}"
            plans.append(
                _Plan(
                    native_id=str(native),
                    customer=customer,
                    question=rng.choice(QUESTIONS).format(h=handle),
                    answer=rng.choice(ANSWERS).format(c=customer),
                    opened=opened,
                    replied=opened + first_reply,
                    resolved=opened + first_reply + timedelta(minutes=rng.uniform(4, 110)),
                    by_bot=by_bot,
                    viewing_s=round(rng.lognormvariate(4.6, 0.5), 1),  # about 100 s
                    composing_s=round(rng.lognormvariate(4.4, 0.45), 1),  # about 80 s
                    last_look_s=round(rng.uniform(15, 70), 1),
                )
            )
    return plans


def _months_before(month: datetime, back: int) -> datetime:
    index = month.year * 12 + month.month - 1 - back
    return month.replace(year=index // 12, month=index % 12 + 1)


def _event(
    native_id: str,
    text: str,
    at: datetime,
    author_id: str,
    handle: str,
    in_reply_to: str | None,
) -> RawEvent:
    return RawEvent(
        source="jsonl",
        payload={
            "network": "x",
            "id": native_id,
            "text": text,
            "created_at": at.isoformat(),
            "author": {"id": author_id, "handle": handle},
            "in_reply_to": in_reply_to,
        },
    )


def _resolve(case: Case, plan: _Plan, agent: User) -> None:
    case.status = "resolved"
    case.resolved_at = plan.resolved
    case.resolution_seconds = int((plan.resolved - plan.opened).total_seconds())
    case.resolved_by = "bot" if plan.by_bot else agent.username
    case.first_response_at = case.first_response_at or plan.replied
    if not plan.by_bot:
        case.assignee_id = agent.id


def _record(
    session: Session, case: Case, plan: _Plan, agent: User, post: Post | None, handle: str
) -> None:
    session.add(
        BotDecision(
            brand_id=case.brand_id,
            case_id=case.id,
            post_id=post.id if post is not None else None,
            confidence=0.91 if plan.by_bot else 0.42,
            outcome="answered" if plan.by_bot else "handover",
            reason="demo: matched an article" if plan.by_bot else "demo: below the threshold",
            created_at=plan.opened + timedelta(seconds=20),
        )
    )
    session.add(
        ApiCallRecord(
            at=plan.replied,
            month=plan.replied.strftime("%Y-%m"),
            network="x",
            account=handle,
            operation="create_post",
            method="POST",
            endpoint="/2/tweets",
            status=201,
            items=1,
            cost_micros=REPLY_MICROS,
            currency="USD",
            ref=f"case-{case.id}",
            case_id=case.id,
        )
    )
    if plan.by_bot:
        return
    work = plan.viewing_s + plan.composing_s
    start = plan.replied - timedelta(seconds=work)
    stretches = (
        ("viewing", start, plan.viewing_s),
        ("composing", start + timedelta(seconds=plan.viewing_s), plan.composing_s),
        ("viewing", plan.resolved - timedelta(seconds=plan.last_look_s), plan.last_look_s),
    )
    for kind, began, seconds in stretches:
        session.add(
            AgentActivity(
                user_id=agent.id,
                case_id=case.id,
                brand_id=case.brand_id,
                kind=kind,
                started_at=began,
                ended_at=began + timedelta(seconds=seconds),
                seconds=seconds,
            )
        )
