"""The batch path over history: cluster a brand's stored posts and write its issues, brand by
brand, reading and clustering with no transaction open and writing in a short one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func, select

from atdesk.domain.errors import NotFound
from atdesk.insights.issues.grouping import DEFAULT, Thresholds
from atdesk.insights.issues.service import (
    RebuildResult,
    apply_rebuild,
    plan_rebuild,
    read_window,
)
from atdesk.models import Brand
from atdesk.storage.session import transaction


def brand_ids_named(database_url: str, name: str | None) -> list[int]:
    """Every brand's id, or the one brand of this name (case-insensitive)."""
    with transaction(database_url) as session:
        query = select(Brand.id).order_by(Brand.id)
        if name is not None:
            query = query.where(func.lower(Brand.name) == name.strip().lower())
        ids = [int(i) for i in session.scalars(query)]
    if name is not None and not ids:
        raise NotFound(f"no brand named {name!r}; `atdesk brands` lists them")
    return ids


def rebuild_issues(
    database_url: str,
    *,
    now: datetime,
    brand: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    thresholds: Thresholds = DEFAULT,
    progress: Callable[[RebuildResult], object] = lambda _: None,
) -> list[RebuildResult]:
    """Group each brand's eligible posts in [since, until) into issues; a rerun on the same
    posts keeps every issue id and assignment."""
    results: list[RebuildResult] = []
    for brand_id in brand_ids_named(database_url, brand):
        with transaction(database_url) as session:
            posts = read_window(session, brand_id, since=since, until=until)
        plan = plan_rebuild(posts, brand_id, since=since, until=until, thresholds=thresholds)
        with transaction(database_url) as session:
            result = apply_rebuild(session, plan, now=now)
        progress(result)
        results.append(result)
    return results
