"""The worker's discovery pass: candidates that gathered become issues, open issues are
labelled again from their newest posts, quiet ones close (ADR 85).

Reads in one short transaction, embeds and clusters with none open, writes in another, so no
grouping runs under the database's write lock (ADR 78).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from atdesk.insights.issues.grouping import DEFAULT, Thresholds
from atdesk.insights.issues.service import (
    CandidatePlan,
    brands_with_candidates,
    close_quiet,
    plan_groups,
    read_candidates,
    read_open_issue_texts,
    relabel,
    write_discovered,
    write_labels,
)
from atdesk.models import Post
from atdesk.storage.session import transaction

log = logging.getLogger(__name__)


@dataclass(slots=True)
class DiscoveryReport:
    """What one pass did."""

    brands: int = 0
    created: list[int] = field(default_factory=list)
    relabelled: int = 0
    closed: int = 0


@dataclass(slots=True)
class Discovery:
    """One per worker: remembers the newest post it has looked at, so a pass with no new
    candidate post reads one row and groups nothing."""

    database_url: str
    thresholds: Thresholds = DEFAULT
    after_id: int = 0

    def run(self, *, now: datetime) -> DiscoveryReport:
        """One pass over the brands that received candidate posts since the last one."""
        report = DiscoveryReport()
        with transaction(self.database_url) as session:
            newest = session.scalar(select(func.max(Post.id))) or 0
            brands = brands_with_candidates(session, after_id=self.after_id)
            candidates = {b: read_candidates(session, b) for b in brands}
            open_texts = {b: read_open_issue_texts(session, b) for b in brands}
        plans = [
            CandidatePlan(b, plan_groups(posts, self.thresholds)) for b, posts in candidates.items()
        ]
        labels = {
            b: relabel(open_texts[b], [p.text for p in candidates[b]])
            for b in brands
            if open_texts[b]
        }
        with transaction(self.database_url) as session:
            for brand_labels in labels.values():
                write_labels(session, brand_labels, now=now)
            for plan in plans:
                report.created.extend(
                    write_discovered(session, plan, now=now, min_posts=self.thresholds.min_posts)
                )
            report.closed = close_quiet(session, now=now)
        report.brands = len(brands)
        report.relabelled = sum(len(v) for v in labels.values())
        self.after_id = max(self.after_id, int(newest))
        if report.created:
            log.info("emerging issues: %d new (%s)", len(report.created), report.created)
        return report
