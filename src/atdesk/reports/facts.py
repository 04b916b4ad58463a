"""The case_facts table: computed from posts, audit trail and calendars; refreshed or rebuilt.

Reading and computing happen outside any write transaction; rows are written in short
transactions of CHUNK cases, so a rebuild of 100,000 cases never holds a write lock long.
A refresh recomputes the cases that are new, whose row changed (`updated_at`), that have
audit events past the last refresh's watermark, or that were computed by older formulas;
facts of cases that no longer exist (merged away) are removed, and the rollup cells of data the
lifecycle purged or erased are recomputed (reports/forgotten.py). Each write shifts the case
rollups by the rows it replaces, so a pass costs what changed (ADR 107). `rebuild` recomputes
every row; both give the same tables (tests check it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from atdesk.cases.sla import BrandSla, load_brand_slas
from atdesk.models import AuditEvent, Case, CaseFacts, Post, SurveyResponse, User
from atdesk.reports import case_days, case_weeks
from atdesk.reports.cache import invalidate
from atdesk.reports.case_sums import keyed_rows
from atdesk.reports.forgotten import Forgotten, forgotten_since
from atdesk.reports.marks import read_mark, save_mark
from atdesk.reports.measure import CaseInput, PostPoint, measure
from atdesk.reports.post_hours import refresh_post_hours
from atdesk.respond.tasks import AUTOMATION_USERNAME
from atdesk.storage.session import session_factory, transaction

# Bump when a formula changes: every row computed before is then refreshed.
FACTS_VERSION = 1
CHUNK = 500
REOPENED = "case.reopened"
MERGED = "case.merged"
HANDOFF = "automation.handoff"


@dataclass(frozen=True, slots=True)
class RefreshReport:
    """What one refresh did."""

    computed: int
    removed: int


def _chunks(ids: Sequence[int], size: int = CHUNK) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _watermark(session: Session) -> int:
    return int(session.scalar(select(func.coalesce(func.max(AuditEvent.id), 0))) or 0)


def stale_case_ids(session: Session) -> tuple[list[int], list[int], int, int]:
    """(cases to compute, facts rows to remove, the audit trail's end now, the end the last
    complete refresh recorded)."""
    watermark = _watermark(session)
    seen = int(session.scalar(select(func.coalesce(func.max(CaseFacts.audit_watermark), 0))) or 0)
    stale: set[int] = set(
        session.scalars(
            select(Case.id)
            .outerjoin(CaseFacts, CaseFacts.case_id == Case.id)
            .where(
                (CaseFacts.case_id.is_(None))
                | (CaseFacts.case_updated_at != Case.updated_at)
                | (CaseFacts.facts_version != FACTS_VERSION)
            )
        )
    )
    if watermark > seen:
        touched = set(
            session.scalars(
                select(AuditEvent.entity_id)
                .where(
                    AuditEvent.entity_type == "case",
                    AuditEvent.id > seen,
                    AuditEvent.id <= watermark,
                )
                .distinct()
            )
        )
        existing = set(session.scalars(select(Case.id).where(Case.id.in_(touched))))
        stale |= existing
    gone = list(
        session.scalars(
            select(CaseFacts.case_id)
            .outerjoin(Case, Case.id == CaseFacts.case_id)
            .where(Case.id.is_(None))
        )
    )
    return sorted(stale), sorted(gone), watermark, seen


def _automation_user_id(session: Session) -> int | None:
    return session.scalar(select(User.id).where(User.username == AUTOMATION_USERNAME))


def _merged_into(session: Session, case_ids: Sequence[int]) -> dict[int, set[int]]:
    """Each case's own id plus the ids of the cases merged into it, transitively."""
    out = {cid: {cid} for cid in case_ids}
    frontier = {cid: {cid} for cid in case_ids}
    for _ in range(20):
        holders = {member: cid for cid, members in frontier.items() for member in members}
        if not holders:
            break
        found: dict[int, set[int]] = defaultdict(set)
        for chunk in _chunks(sorted(holders)):
            for entity_id, before in session.execute(
                select(AuditEvent.entity_id, AuditEvent.before).where(
                    AuditEvent.entity_type == "case",
                    AuditEvent.action == MERGED,
                    AuditEvent.entity_id.in_(chunk),
                )
            ):
                merged = (before or {}).get("merged_case_id")
                if isinstance(merged, int):
                    owner = holders[entity_id]
                    if merged not in out[owner]:
                        found[owner].add(merged)
                        out[owner].add(merged)
        frontier = dict(found)
    return out


def _audit_counts(
    session: Session, members: dict[int, set[int]]
) -> tuple[dict[int, int], set[int]]:
    """Reopen events and handoffs per case, its merged cases' trail included."""
    owner = {m: cid for cid, ms in members.items() for m in ms}
    reopens: dict[int, int] = defaultdict(int)
    handed: set[int] = set()
    for chunk in _chunks(sorted(owner)):
        for entity_id, action in session.execute(
            select(AuditEvent.entity_id, AuditEvent.action).where(
                AuditEvent.entity_type == "case",
                AuditEvent.action.in_((REOPENED, HANDOFF)),
                AuditEvent.entity_id.in_(chunk),
            )
        ):
            if action == REOPENED:
                reopens[owner[entity_id]] += 1
            else:
                handed.add(owner[entity_id])
    return reopens, handed


def compute(session: Session, case_ids: Sequence[int], *, watermark: int) -> list[dict[str, Any]]:
    """The case_facts rows of these cases, read from the database without writing."""
    if not case_ids:
        return []
    bot = _automation_user_id(session)
    cases = list(session.scalars(select(Case).where(Case.id.in_(case_ids))))
    slas: dict[int, BrandSla] = load_brand_slas(session, {c.brand_id for c in cases})
    points: dict[int, list[PostPoint]] = defaultdict(list)
    answers = select(SurveyResponse.post_id).where(SurveyResponse.post_id == Post.id).exists()
    for row in session.execute(
        select(
            Post.id,
            Post.case_id,
            Post.created_at,
            Post.inbound,
            Post.filtered_reason,
            Post.listen_only,
            Post.sent_by_user_id,
            Post.issue_id,
            answers,
        ).where(Post.case_id.in_(case_ids))
    ):
        pid, cid, created, inbound, filtered, listen, sender, issue, answer = row
        if cid is None:
            continue
        points[cid].append(
            PostPoint(
                id=pid,
                created_at=created,
                inbound=inbound,
                counts=bool(inbound and filtered is None and not listen and not answer),
                by_automation=bool(not inbound and bot is not None and sender == bot),
                issue_id=issue,
            )
        )
    members = _merged_into(session, [c.id for c in cases])
    reopens, handed = _audit_counts(session, members)
    rows = []
    for case in cases:
        sla = slas[case.brand_id]
        m = measure(
            CaseInput(
                opened_at=case.opened_at,
                status=case.status,
                resolved_at=case.resolved_at,
                resolved_by=case.resolved_by,
                reopens=reopens.get(case.id, 0),
                handed_off=case.id in handed,
            ),
            points.get(case.id, []),
            sla.hours,
        )
        targets = sla.for_priority(case.priority)
        rows.append(
            {
                "case_id": case.id,
                "brand_id": case.brand_id,
                "team_id": case.team_id,
                "assignee_id": case.assignee_id,
                "network": case.network,
                "intent": case.intent,
                "issue_id": m.issue_id,
                "history": bool(case.history),
                "status": case.status,
                "opened_at": m.opened_at,
                "inbound_posts": m.inbound_posts,
                "first_response_at": m.first_response_at,
                "first_response_s": m.first_response_s,
                "first_response_bh_s": m.first_response_bh_s,
                "next_response_s": m.next_response_s,
                "next_response_waits": m.next_response_waits,
                "resolved_at": m.resolved_at,
                "resolution_s": m.resolution_s,
                "resolution_bh_s": m.resolution_bh_s,
                "first_response_due_at": sla.hours.add(m.opened_at, targets.first_response),
                "resolution_due_at": sla.hours.add(m.opened_at, targets.resolution),
                "reopens": m.reopens,
                "human_replied": m.human_replied,
                "automation_replied": m.automation_replied,
                "automated": m.automated,
                "handoff": m.handoff,
                "case_updated_at": case.updated_at,
                "facts_version": FACTS_VERSION,
                "audit_watermark": watermark,
            }
        )
    return rows


def write(session: Session, rows: Sequence[dict[str, Any]], gone: Iterable[int] = ()) -> None:
    """Replace these cases' rows and drop the rows of cases that are gone (one short write),
    and shift the case rollups' cells they leave and join, in the same transaction."""
    ids = [r["case_id"] for r in rows] + list(gone)
    rollups = [rollup for rollup in (case_days, case_weeks) if read_mark(session, rollup.MARK)]
    before = keyed_rows(session, ids) if rollups else []
    for chunk in _chunks(ids):
        session.execute(delete(CaseFacts).where(CaseFacts.case_id.in_(chunk)))
    if rows:
        session.execute(insert(CaseFacts), list(rows))
    if rollups:
        # Read back, so the values folded in are the stored ones a rebuild would read.
        after = keyed_rows(session, [r["case_id"] for r in rows])
        for rollup in rollups:
            rollup.shift(session, before, after)


def _rewrite_cells(session: Session, cells: set[case_days.Cell]) -> None:
    """The case rollups' cells holding these brand-days, each once it has been filled."""
    if cells and read_mark(session, case_days.MARK):
        case_days.recompute(session, cells)
    if cells and read_mark(session, case_weeks.MARK):
        case_weeks.recompute(session, cells)


def refresh(url: str, *, everything: bool = False) -> RefreshReport:
    """Bring case_facts up to date: read and compute per chunk, then write it in a short commit."""
    reader = session_factory(url)
    with reader() as session:
        if everything:
            watermark, seen = _watermark(session), 0
            todo = list(session.scalars(select(Case.id).order_by(Case.id)))
            gone = list(
                session.scalars(
                    select(CaseFacts.case_id).where(CaseFacts.case_id.not_in(select(Case.id)))
                )
            )
        else:
            todo, gone, watermark, seen = stale_case_ids(session)
        # A rebuild recomputes every cell anyway.
        lost = Forgotten() if everything else forgotten_since(session, seen, watermark)
    # The post-hour rollup first: its hours include the posts of the cases recomputed below,
    # and a pass cut short after it finds those cases (still stale) and their hours again.
    hours = refresh_post_hours(url, todo, everything=everything, also=lost.hours)
    filled = False
    computed = 0
    for chunk in _chunks(todo):
        with reader() as session:
            # Rows carry the previous end of the trail until the whole pass is written: a pass
            # cut short (a crash) reads the same audit events again next time.
            rows = compute(session, chunk, watermark=seen)
        with transaction(url) as session:
            write(session, rows)
        computed += len(rows)
    with transaction(url) as session:
        write(session, [], gone)
        _rewrite_cells(session, lost.cells)
        for rollup in (case_days, case_weeks):
            if not read_mark(session, rollup.MARK):
                # The first pass after the upgrade (or ever): every cell, once, from the facts.
                rollup.rebuild_all(session)
                save_mark(session, 1, rollup.MARK)
                filled = True
        if watermark > seen:
            # The pass is complete: record that the trail was read up to here. The next
            # refresh reads the highest watermark of any row, so one row carries it.
            holder = session.scalar(select(CaseFacts.case_id).limit(1))
            if holder is not None:
                session.execute(
                    update(CaseFacts)
                    .where(CaseFacts.case_id == holder, CaseFacts.audit_watermark < watermark)
                    .values(audit_watermark=watermark)
                )
    if computed or gone or hours or filled or lost.cells:
        invalidate()
    return RefreshReport(computed=computed, removed=len(gone))


def rebuild(url: str) -> RefreshReport:
    """Recompute every case's facts from scratch (after a formula, calendar or policy change)."""
    return refresh(url, everything=True)


def facts_snapshot(session: Session) -> list[tuple[Any, ...]]:
    """Every case_facts row as a comparable tuple (bookkeeping columns left out), for checks."""
    skip = {"case_updated_at", "facts_version", "audit_watermark"}
    columns = [c for c in CaseFacts.__table__.columns if c.name not in skip]
    return [tuple(r) for r in session.execute(select(*columns).order_by(CaseFacts.case_id))]


def latest(session: Session) -> datetime | None:
    """When the newest case in the facts opened (for a report's 'data up to')."""
    return session.scalar(select(func.max(CaseFacts.opened_at)))
