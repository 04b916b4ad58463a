"""Handling time from heartbeats: each beat credits the time since the agent's previous beat.

The browser beats every BEAT_S seconds while the agent is active on a case page (tab visible,
input or focus within the brand's idle cut-off) and says what they were doing: viewing, or
composing (typing in the reply box). The server keeps the clock: a beat credits the seconds
since the agent's previous beat, at most BEAT_S + SLACK_S, and only if that previous beat was
on the same case; a longer gap (idle, tab hidden, another case) credits nothing and opens a
new interval. Consecutive beats of one kind extend one `agent_activity` row (ADR 94).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.models import AgentActivity, Case

BEAT_S = 15  # how often an active page beats
SLACK_S = 5  # a late beat (slow network, busy tab) still continues the interval
CAP = timedelta(seconds=BEAT_S + SLACK_S)
KINDS = ("viewing", "composing")


@dataclass(frozen=True, slots=True)
class Credit:
    """What one beat added: the seconds credited and the interval row they went to."""

    seconds: float
    activity_id: int
    kind: str


def record_beat(
    session: Session, *, user_id: int, case: Case, kind: str, now: datetime, fresh: bool = False
) -> Credit:
    """Credit the time since the agent's last beat to this case, merging into its interval.

    `case` is already checked as visible to the agent; `now` is the server's clock. `fresh`
    (the page coming back from idle or a hidden tab) credits nothing and opens a new interval:
    a client can only give time up with it, never claim more.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    last = session.scalars(
        select(AgentActivity)
        .where(AgentActivity.user_id == user_id)
        .order_by(AgentActivity.ended_at.desc(), AgentActivity.id.desc())
        .limit(1)
        .with_for_update()
    ).first()
    gap = (now - last.ended_at) if last is not None else None
    continues = (
        not fresh
        and last is not None
        and gap is not None
        and last.case_id == case.id
        and timedelta(0) <= gap <= CAP
    )
    if last is not None and continues and gap is not None:
        credit = gap.total_seconds()
        if last.kind == kind:
            last.ended_at = now
            last.seconds = float(last.seconds or 0.0) + credit
            session.flush()
            return Credit(credit, last.id, kind)
        row = _open(session, user_id, case, kind, start=last.ended_at, now=now, seconds=credit)
        return Credit(credit, row.id, kind)
    if last is not None and gap is not None and gap < timedelta(0):
        # The server's clock stepped back: credit nothing, and never end before a start.
        now = last.ended_at
    row = _open(session, user_id, case, kind, start=now, now=now, seconds=0.0)
    return Credit(0.0, row.id, kind)


def _open(
    session: Session,
    user_id: int,
    case: Case,
    kind: str,
    *,
    start: datetime,
    now: datetime,
    seconds: float,
) -> AgentActivity:
    row = AgentActivity(
        user_id=user_id,
        case_id=case.id,
        brand_id=case.brand_id,
        kind=kind,
        started_at=start,
        ended_at=now,
        seconds=seconds,
    )
    session.add(row)
    session.flush()
    return row
