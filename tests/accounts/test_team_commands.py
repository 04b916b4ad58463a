"""`atdesk teams add NAME --brands A,B --members u1,u2` (SPEC §5): idempotent, clear refusals."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from atdesk.accounts.access import visible_brand_ids
from atdesk.accounts.service import find_user
from atdesk.accounts.teams import team_summary
from atdesk.brands.service import create_brand
from atdesk.cli import main
from atdesk.domain.cases import Role
from atdesk.domain.networks import Network
from atdesk.models import AuditEvent, Brand, Team
from atdesk.storage.session import transaction
from tests.cases.conftest import hash_each_password_once  # noqa: F401 (autouse fixture)
from tests.cases.factories import staff
from tests.factories import make_brand


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """The command line on a database with brands Acme and Other and users ana, sam, olga."""
    with transaction(database_url) as session:
        make_brand(session)
        create_brand(session, "Other", [(Network.X, "otherhelp", "1300000000")])
        staff(session, "ana")
        staff(session, "sam", Role.SUPERVISOR)
        staff(session, "olga")
    monkeypatch.setenv("ATDESK_DATABASE_URL", database_url)
    return CliRunner()


def _team(database_url: str, name: str) -> tuple[list[str], list[str]] | None:
    with transaction(database_url) as session:
        team = session.scalar(select(Team).where(Team.name == name))
        if team is None:
            return None
        return team_summary(session, team)


def _audits(database_url: str) -> int:
    with transaction(database_url) as session:
        return int(session.scalar(select(func.count(AuditEvent.id))) or 0)


def test_teams_add_creates_then_sets_the_same(cli: CliRunner, database_url: str) -> None:
    made = cli.invoke(
        main, ["teams", "add", "Support", "--brands", "Acme,Other", "--members", "ana,sam"]
    )
    assert made.exit_code == 0, made.output
    assert made.output.strip() == "team Support created: brands Acme, Other; members ana, sam"
    assert _team(database_url, "Support") == (["Acme", "Other"], ["ana", "sam"])
    before = _audits(database_url)
    again = cli.invoke(
        main, ["teams", "add", "Support", "--brands", "Acme,Other", "--members", "ana,sam"]
    )
    assert again.exit_code == 0, again.output
    assert again.output.strip() == "team Support updated: brands Acme, Other; members ana, sam"
    assert _audits(database_url) == before, "re-running changes nothing"


def test_teams_add_sets_exactly_the_brands_and_members_given(
    cli: CliRunner, database_url: str
) -> None:
    cli.invoke(main, ["teams", "add", "Support", "--brands", "Acme,Other", "--members", "ana,sam"])
    changed = cli.invoke(
        main, ["teams", "add", "Support", "--brands", " other ", "--members", "olga"]
    )
    assert changed.exit_code == 0, changed.output
    assert _team(database_url, "Support") == (["Other"], ["olga"])
    kept = cli.invoke(main, ["teams", "add", "Support", "--members", "olga,ana"])
    assert kept.exit_code == 0 and _team(database_url, "Support") == (["Other"], ["ana", "olga"])
    with transaction(database_url) as session:
        other = session.scalars(select(Brand.id).where(Brand.name == "Other")).one()
        assert visible_brand_ids(session, find_user(session, "ana")) == frozenset({other})
        assert visible_brand_ids(session, find_user(session, "sam")) == frozenset()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--brands", "Acme,Nope", "--members", "ana"], "no brand named 'Nope'"),
        (["--brands", "Acme", "--members", "ana,nobody"], "no user named 'nobody'"),
    ],
)
def test_an_unknown_brand_or_user_changes_nothing(
    cli: CliRunner, database_url: str, args: list[str], message: str
) -> None:
    before = _audits(database_url)
    result = cli.invoke(main, ["teams", "add", "Support", *args])
    assert result.exit_code == 1 and message in result.output
    assert "Traceback" not in result.output
    assert _team(database_url, "Support") is None and _audits(database_url) == before
