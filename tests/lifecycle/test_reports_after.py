"""Reports after the lifecycle removed data: the rollups a refresh keeps equal a rebuild's, so
purged posts and cases and an erased customer's posts leave the charts and counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from atdesk.lifecycle.erase import erase_customer
from atdesk.lifecycle.retention import sweep
from atdesk.models import ReportPostHour
from atdesk.reports.facts import refresh
from atdesk.storage.session import transaction
from tests.lifecycle.helpers import add_dana
from tests.lifecycle.test_retention import NOW, _turn_on, layout
from tests.reports.test_rollups import matches_rebuild
from tests.web.conftest import Workspace


def _rolled_up_posts(url: str) -> int:
    with transaction(url) as session:
        return int(session.scalar(select(func.sum(ReportPostHour.inbound))) or 0)


def test_a_purge_leaves_the_rollups_as_a_rebuild_makes_them(workspace: Workspace) -> None:
    url = workspace.settings.database_url
    ids = layout(workspace)  # refreshed: the rollups hold the old posts
    before = _rolled_up_posts(url)
    _turn_on(workspace, ids.acme, 30, "purge")
    [report] = sweep(url, now=NOW)
    assert report.posts + report.cases > 0
    refresh(url)
    assert _rolled_up_posts(url) < before  # the purged posts left the post-hour rollup
    matches_rebuild(url)
    # Forty days on the next purge takes more, and the rollups follow again.
    sweep(url, now=NOW + timedelta(days=40))
    refresh(url)
    matches_rebuild(url)


def test_an_erasure_leaves_the_rollups_as_a_rebuild_makes_them(workspace: Workspace) -> None:
    url = workspace.settings.database_url
    with transaction(url) as session:
        dana = add_dana(session)
    refresh(url)
    with transaction(url) as session:
        erase_customer(
            session,
            customer_id=dana.customer_id,
            actor="test",
            brand_ids=None,
            now=datetime(2026, 6, 1, 12, 0, tzinfo=UTC),
        )
    refresh(url)
    matches_rebuild(url)
