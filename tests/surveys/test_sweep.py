"""The sweep reads resolutions from the audit trail: history is never surveyed, an upgraded
database starts at its newest event, and a quiet stretch still moves the cursor on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select

from atdesk.audit import service as audit
from atdesk.cases.service import auto_resolve
from atdesk.config import Settings
from atdesk.models import AuditEvent, Case, SurveyCursor
from atdesk.models.base import utcnow
from atdesk.storage.migrate import downgrade, upgrade
from atdesk.storage.session import transaction
from atdesk.surveys.tasks import ADVANCE_EVERY, sweep
from tests.surveys.helpers import World, x_post

OCT_2017 = datetime(2017, 10, 31, 22, 10, tzinfo=UTC)


def _cursor(url: str) -> int:
    with transaction(url) as session:
        cursor = session.get(SurveyCursor, "resolved")
        return cursor.last_audit_id if cursor else 0


def test_replayed_history_is_never_surveyed(settings: Settings, http: httpx.Client) -> None:
    world = World(settings, http).setup()
    world.post(
        x_post("1", "@acmehelp my bill is wrong", OCT_2017),
        x_post(
            "2",
            "@dana fixed",
            OCT_2017 + timedelta(minutes=5),
            author="1200000000",
            handle="acmehelp",
            in_reply_to="1",
        ),
    )
    with transaction(world.url) as session:
        assert auto_resolve(session, now=utcnow(), after=timedelta(hours=48)) == 1
        assert session.scalars(select(Case.status)).one() == "resolved"
    # Two minutes on, even PostgreSQL's cursor (which waits for late commits) has moved past.
    assert sweep(world.url, now=utcnow() + timedelta(minutes=2)) == 0
    assert world.surveys() == []
    assert _cursor(world.url) > 0


def test_an_upgraded_database_starts_at_its_newest_event(sqlite_url: str) -> None:
    downgrade(sqlite_url, "0007")
    with transaction(sqlite_url) as session:
        for n in range(3):
            audit.record(
                session, entity_type="case", entity_id=n, action="case.resolved", actor="x"
            )
    upgrade(sqlite_url)
    with transaction(sqlite_url) as session:
        newest = session.scalars(select(AuditEvent.id).order_by(AuditEvent.id.desc())).first()
    assert newest is not None and _cursor(sqlite_url) == newest
    assert sweep(sqlite_url, now=utcnow()) == 0


def test_a_quiet_stretch_moves_the_cursor_on(sqlite_url: str) -> None:
    with transaction(sqlite_url) as session:
        for n in range(ADVANCE_EVERY + 5):
            audit.record(session, entity_type="case", entity_id=n, action="case.tagged", actor="x")
    assert sweep(sqlite_url, now=utcnow()) == 0
    assert _cursor(sqlite_url) == ADVANCE_EVERY + 5
