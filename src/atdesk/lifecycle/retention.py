"""Per-brand retention: resolved cases and loose posts older than the brand's N days are purged
or anonymised on schedule (ADR 101).

A case is old when it is resolved and nothing happened on it for N days: it was opened,
last heard from the customer, last answered and resolved before the cut-off. An open, new or
pending case is never touched, however old. A post outside any case (filtered, listened to,
a survey answer) is old when it was written and received before the cut-off; posts inside a
case go with their case. The sweep reads the ids first, then writes in short transactions of
`batch` rows (ADR 78), each re-checking the rule, so a case reopened meanwhile is left alone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from atdesk.audit import service as audit
from atdesk.domain.cases import CaseStatus
from atdesk.lifecycle import scrub
from atdesk.lifecycle.settings import RetentionMode, RetentionSettings, retention_settings
from atdesk.models import Brand, Case, Post
from atdesk.storage.session import transaction

log = logging.getLogger(__name__)

BATCH = 200
MAX_PER_PASS = 5000  # ids per brand and kind in one pass; the next pass takes the rest
MARKER = "[removed by the brand's retention policy]"


@dataclass(frozen=True, slots=True)
class RetentionReport:
    """What one pass did for one brand."""

    brand_id: int
    mode: RetentionMode
    cutoff: datetime
    cases: int
    posts: int


def cutoff_for(settings: RetentionSettings, now: datetime) -> datetime | None:
    """The moment before which data is old; None when the brand keeps everything."""
    if settings.days is None:
        return None
    return now - timedelta(days=settings.days)


def _before(column: Any, cutoff: datetime) -> ColumnElement[bool]:
    return or_(column.is_(None), column < cutoff)


def old_case_rule(brand_id: int, cutoff: datetime, mode: RetentionMode) -> ColumnElement[bool]:
    """Resolved, and opened, last heard, last answered and resolved before the cut-off."""
    rule = and_(
        Case.brand_id == brand_id,
        Case.status == CaseStatus.RESOLVED.value,
        Case.resolved_at.is_not(None),
        Case.resolved_at < cutoff,
        Case.opened_at < cutoff,
        _before(Case.last_customer_at, cutoff),
        _before(Case.last_agent_at, cutoff),
    )
    if mode is RetentionMode.ANONYMISE:
        rule = and_(rule, Case.anonymised_at.is_(None))
    return rule


def old_post_rule(brand_id: int, cutoff: datetime, mode: RetentionMode) -> ColumnElement[bool]:
    """An inbound post of the brand outside any case, written and received before the cut-off."""
    rule = and_(
        Post.brand_id == brand_id,
        Post.case_id.is_(None),
        Post.inbound.is_(True),
        Post.created_at < cutoff,
        Post.received_at < cutoff,
    )
    if mode is RetentionMode.ANONYMISE:
        rule = and_(rule, Post.anonymised_at.is_(None))
    return rule


def due_case_ids(
    session: Session, brand_id: int, cutoff: datetime, mode: RetentionMode, *, limit: int
) -> list[int]:
    """The oldest cases the rule takes, up to `limit`."""
    query = (
        select(Case.id).where(old_case_rule(brand_id, cutoff, mode)).order_by(Case.id).limit(limit)
    )
    return list(session.scalars(query))


def due_post_ids(
    session: Session, brand_id: int, cutoff: datetime, mode: RetentionMode, *, limit: int
) -> list[int]:
    """The posts outside cases the rule takes, up to `limit`."""
    query = (
        select(Post.id).where(old_post_rule(brand_id, cutoff, mode)).order_by(Post.id).limit(limit)
    )
    return list(session.scalars(query))


def _apply(
    database_url: str,
    chunks: list[Sequence[int]],
    still_due: Callable[[Sequence[int]], Select[int]],
    act: Callable[[Session, list[int]], int],
) -> int:
    """Purge or anonymise chunk by chunk, each in its own short write, re-checking the rule
    inside it (a customer may have written meanwhile); returns how many rows it took."""
    taken = 0
    for chunk in chunks:
        with transaction(database_url) as session:
            taken += act(session, list(session.scalars(still_due(chunk))))
    return taken


def _chunks(ids: Sequence[int], size: int) -> list[Sequence[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def apply_brand(
    database_url: str,
    brand_id: int,
    settings: RetentionSettings,
    *,
    now: datetime,
    batch: int = BATCH,
    limit: int = MAX_PER_PASS,
) -> RetentionReport | None:
    """One pass for one brand: read the old ids, then purge or anonymise them in batches."""
    cutoff = cutoff_for(settings, now)
    if cutoff is None:
        return None
    mode = settings.mode
    with transaction(database_url) as session:
        case_ids = due_case_ids(session, brand_id, cutoff, mode, limit=limit)
        post_ids = due_post_ids(session, brand_id, cutoff, mode, limit=limit)
    purge = mode is RetentionMode.PURGE
    cases = _apply(
        database_url,
        _chunks(case_ids, batch),
        lambda chunk: select(Case.id).where(
            Case.id.in_(chunk), old_case_rule(brand_id, cutoff, mode)
        ),
        scrub.purge_cases if purge else partial(scrub.anonymise_cases, now=now, marker=MARKER),
    )
    posts = _apply(
        database_url,
        _chunks(post_ids, batch),
        lambda chunk: select(Post.id).where(
            Post.id.in_(chunk), old_post_rule(brand_id, cutoff, mode)
        ),
        scrub.purge_posts if purge else partial(scrub.anonymise_posts, now=now, marker=MARKER),
    )
    report = RetentionReport(brand_id=brand_id, mode=mode, cutoff=cutoff, cases=cases, posts=posts)
    if cases or posts:
        with transaction(database_url) as session:
            event = audit.record(
                session,
                entity_type="brand",
                entity_id=brand_id,
                action="brand.retention_applied",
                actor=audit.SYSTEM,
                after={
                    "mode": mode.value,
                    "cutoff": cutoff.isoformat(),
                    "cases": cases,
                    "posts": posts,
                },
            )
            event.at = now
    return report


def brands_with_retention(session: Session) -> list[tuple[int, RetentionSettings]]:
    """The brands that chose a retention period, with their settings."""
    found = []
    for brand in session.scalars(select(Brand).order_by(Brand.id)):
        settings = retention_settings(brand)
        if settings.enabled:
            found.append((brand.id, settings))
    return found


def sweep(
    database_url: str, *, now: datetime, batch: int = BATCH, limit: int = MAX_PER_PASS
) -> list[RetentionReport]:
    """One scheduled pass over every brand with retention on; what it removed, per brand."""
    with transaction(database_url) as session:
        chosen = brands_with_retention(session)
    reports = []
    for brand_id, settings in chosen:
        report = apply_brand(database_url, brand_id, settings, now=now, batch=batch, limit=limit)
        if report is not None and (report.cases or report.posts):
            log.info(
                "retention for brand %d (%s before %s): %d cases, %d posts",
                brand_id,
                report.mode.value,
                report.cutoff.isoformat(),
                report.cases,
                report.posts,
            )
        if report is not None:
            reports.append(report)
    return reports


def pending_counts(
    session: Session, brand_id: int, settings: RetentionSettings, *, now: datetime
) -> tuple[int, int]:
    """How many cases and posts the next passes would take (shown beside the settings)."""
    cutoff = cutoff_for(settings, now)
    if cutoff is None:
        return 0, 0
    cases = session.scalar(
        select(func.count()).select_from(Case).where(old_case_rule(brand_id, cutoff, settings.mode))
    )
    posts = session.scalar(
        select(func.count()).select_from(Post).where(old_post_rule(brand_id, cutoff, settings.mode))
    )
    return int(cases or 0), int(posts or 0)
