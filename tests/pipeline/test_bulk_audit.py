"""The cases sync and auto-resolve write their audit rows in bulk: the trail still tells each
case's story exactly, row for row, as one ORM object per change used to."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.cases import service
from atdesk.cases.service import auto_resolve, snapshot
from atdesk.models import AuditEvent, Case
from atdesk.pipeline.ingest import ingest_file
from atdesk.storage.session import transaction
from tests.factories import T0, brand_reply, make_brand, post, run
from tests.pipeline.test_ingest import SAMPLE


def trail(url: str, case_id: int) -> list[AuditEvent]:
    with transaction(url) as session:
        return list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.entity_type == "case", AuditEvent.entity_id == case_id)
                .order_by(AuditEvent.id)
            )
        )


def test_each_sync_leaves_one_row_whose_after_is_the_stored_case(database_url: str) -> None:
    with transaction(database_url) as session:
        make_brand(session)
        run(session, post("1", "@acmehelp my bill is wrong", minutes=0))
    with transaction(database_url) as session:
        run(session, brand_reply("2", "@dana sorry, checking", minutes=30, in_reply_to="1"))
    with transaction(database_url) as session:
        run(session, post("3", "@acmehelp any news?", minutes=90, in_reply_to="2"))
        case = session.scalars(select(Case)).one()
        stored = snapshot(case)
        case_id = case.id

    rows = trail(database_url, case_id)
    assert [r.action for r in rows] == ["case.opened", "case.updated", "case.updated"]
    assert all(r.actor == "pipeline" and r.actor_user_id is None for r in rows)
    assert rows[0].before == {} and rows[0].after["status"] == "new"
    assert rows[1].before == rows[0].after and rows[1].after["status"] == "pending"
    assert rows[2].before == rows[1].after and rows[2].after == stored
    assert stored["status"] == "open" and stored["inbound_count"] == 2


def test_auto_resolve_audits_every_case_it_resolves(database_url: str) -> None:
    with transaction(database_url) as session:
        make_brand(session)
        run(
            session,
            post("1", "@acmehelp where is my parcel", minutes=0),
            brand_reply("2", "@dana it arrives tomorrow", minutes=10, in_reply_to="1"),
            post("3", "@acmehelp and my refund?", minutes=20, author="4400000002", handle="erin"),
            brand_reply("4", "@erin sent today", minutes=25, in_reply_to="3"),
        )
    with transaction(database_url) as session:
        assert auto_resolve(session, now=T0 + timedelta(days=3), after=timedelta(hours=48)) == 2
    with transaction(database_url) as session:
        cases = session.scalars(select(Case).order_by(Case.id)).all()
        stored = {c.id: snapshot(c) for c in cases}
        replies = {c.id: c.last_agent_at for c in cases}
    for case_id, after in stored.items():
        last = trail(database_url, case_id)[-1]
        assert last.action == "case.resolved" and last.actor == "auto-resolve"
        assert last.before["status"] == "pending" and last.after == after
        reply = replies[case_id]
        assert reply is not None and after["resolved_at"] == reply.isoformat()


def test_auto_resolve_all_works_in_short_chunks_in_case_order(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with transaction(database_url) as session:
        make_brand(session)
        run(
            session,
            *(
                payload
                for n in range(5)
                for payload in (
                    post(f"q{n}", "@acmehelp help", minutes=n, author=f"44{n}", handle=f"c{n}"),
                    brand_reply(f"r{n}", "@c on it", minutes=n + 30, in_reply_to=f"q{n}"),
                )
            ),
        )
    chunks: list[int] = []
    real = service.auto_resolve

    def counted(session: Session, **kwargs: Any) -> int:
        done = real(session, **kwargs)
        chunks.append(done)
        return done

    monkeypatch.setattr(service, "AUTO_RESOLVE_CHUNK", 2)
    monkeypatch.setattr(service, "auto_resolve", counted)
    resolved = service.auto_resolve_all(
        database_url, now=T0 + timedelta(days=3), after=timedelta(hours=48)
    )
    assert resolved == 5 and chunks == [2, 2, 1], "three short transactions"
    with transaction(database_url) as session:
        ids = session.scalars(
            select(AuditEvent.entity_id)
            .where(AuditEvent.action == "case.resolved")
            .order_by(AuditEvent.id)
        ).all()
        assert ids == sorted(ids) and len(ids) == 5, "audited once each, in case order"
        assert all(c.status == "resolved" for c in session.scalars(select(Case)))


def test_a_replay_audits_each_case_it_opens_once(database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "sample.csv"
    path.write_text(SAMPLE, encoding="utf-8")
    report = ingest_file(path, database_url, warn=lambda _: None)
    assert report.cases_opened == 1
    with transaction(database_url) as session:
        case = session.scalars(select(Case)).one()
        stored, case_id = snapshot(case), case.id
    rows = trail(database_url, case_id)
    assert [r.action for r in rows] == ["case.opened"]
    assert rows[0].after == stored and stored["history"] is True
