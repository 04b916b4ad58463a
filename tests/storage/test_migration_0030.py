"""Migration 0030 lets a case's facts row outlive its case until the next refresh takes its
values out of the rollups (ADR 107); the facts and their indexes survive the upgrade."""

from __future__ import annotations

from sqlalchemy import delete, inspect, select

from atdesk.models import Case, CaseFacts, Post
from atdesk.reports.facts import refresh
from atdesk.storage.engine import get_engine
from atdesk.storage.migrate import downgrade, upgrade
from atdesk.storage.session import transaction
from tests.factories import make_brand, post, run


def _foreign_keys(url: str) -> list[str]:
    return [fk["referred_table"] for fk in inspect(get_engine(url)).get_foreign_keys("case_facts")]


def test_the_facts_outlive_their_case_after_the_upgrade_and_not_before(database_url: str) -> None:
    downgrade(database_url, "0029")
    assert _foreign_keys(database_url) == ["cases"]
    with transaction(database_url) as session:
        make_brand(session)
        run(
            session,
            post("1", "@acmehelp help", author="71"),
            post("2", "@acmehelp help too", author="72", handle="eve", minutes=5),
        )
    refresh(database_url)
    upgrade(database_url)
    assert _foreign_keys(database_url) == []
    indexes = {ix["name"] for ix in inspect(get_engine(database_url)).get_indexes("case_facts")}
    assert {"ix_case_facts_brand_opened", "ix_case_facts_measured"} <= indexes
    with transaction(database_url) as session:
        cases = list(session.scalars(select(Case.id).order_by(Case.id)))
        assert list(session.scalars(select(CaseFacts.case_id).order_by(CaseFacts.case_id))) == cases
        session.execute(delete(Post).where(Post.case_id == cases[0]))
        session.execute(delete(Case).where(Case.id == cases[0]))
    with transaction(database_url) as session:
        assert session.get(CaseFacts, cases[0]) is not None, "kept for the refresh to take out"
    assert refresh(database_url).removed == 1

    # Down again: the facts of cases that are gone are dropped first, then the cascade is back.
    with transaction(database_url) as session:
        session.execute(delete(Post).where(Post.case_id == cases[1]))
        session.execute(delete(Case).where(Case.id == cases[1]))
    downgrade(database_url, "0029")
    assert _foreign_keys(database_url) == ["cases"]
    with transaction(database_url) as session:
        assert session.scalars(select(CaseFacts.case_id)).all() == []
    upgrade(database_url)
