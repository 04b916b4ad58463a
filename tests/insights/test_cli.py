"""`atdesk insights rebuild`: the report, one brand or a window, and clear errors."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from atdesk.cli import main
from atdesk.storage.session import transaction
from tests.factories import make_brand
from tests.insights.helpers import issues, mention, run
from tests.insights.posts import CRASHES, UNRELATED


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("ATDESK_DATABASE_URL", database_url)
    return CliRunner()


def test_rebuild_reports_and_writes_issues(cli: CliRunner, database_url: str) -> None:
    with transaction(database_url) as session:
        make_brand(session)
        run(session, *(mention(f"a{i}", t, i) for i, t in enumerate(CRASHES + UNRELATED)))
    result = cli.invoke(main, ["insights", "rebuild", "--brand", "acme"])
    assert result.exit_code == 0, result.output
    assert "1 issues from 5 of 8 posts in 1 brands" in result.stdout
    assert "5 grouped into 1 issues (1 new, 0 removed)" in result.stderr
    with transaction(database_url) as session:
        (issue,) = issues(session)
        # The posts are from 2026-03-02; rebuilt "now" they are long quiet.
        assert "5.2" in issue.terms and issue.status == "closed" and issue.origin == "rebuild"
    again = cli.invoke(main, ["insights", "rebuild", "--since", "2026-03-02"])
    assert "(0 new, 0 removed)" in again.stderr
    empty = cli.invoke(main, ["insights", "rebuild", "--until", "2026-03-02T09:00"])
    assert "0 issues from 0 of 0 posts in 1 brands" in empty.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--brand", "Nobody"], "no brand named 'Nobody'"),
        (["--since", "yesterday"], "not an ISO 8601 date or time"),
        (["--since", "2026-03-02", "--until", "2026-03-01"], "--since must be before --until"),
    ],
)
def test_rebuild_refuses_bad_input(cli: CliRunner, args: list[str], message: str) -> None:
    result = cli.invoke(main, ["insights", "rebuild", *args])
    assert result.exit_code != 0 and message in result.output
