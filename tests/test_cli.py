"""The `atdesk` command: every subcommand works, and bad input is one clear line, not a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from atdesk.cli import main

SAMPLE = """tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id
1,acmehelp,False,Tue Oct 31 22:10:47 +0000 2017,@115712 on it,2,3
3,115712,True,Tue Oct 31 22:08:27 +0000 2017,@acmehelp my order is late,1,
2,115712,True,Tue Oct 31 22:11:45 +0000 2017,@acmehelp thanks,,1
4,115713,True,Tue Oct 31 22:12:00 +0000 2017,"@acmehelp "oops" quoting",,
"""


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("ATDESK_DATABASE_URL", database_url)
    return CliRunner()


def test_help_lists_every_command_with_a_description() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in (
        "triage",
        "intents",
        "emulate",
        "customers",
        "rules",
        "ingest",
        "stats",
        "thread",
        "users",
        "tokens",
        "brands",
        "serve",
        "demo",
        "worker",
    ):
        line = next(
            (ln for ln in result.output.splitlines() if ln.strip().startswith(command + " ")), ""
        )
        assert len(line.split()) > 2, f"{command} has no description"


def test_ingest_stats_and_thread(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "replay.csv"
    path.write_text(SAMPLE, encoding="utf-8")
    result = cli.invoke(main, ["ingest", str(path)])
    assert result.exit_code == 0, result.output
    assert "3 new posts" in result.output and "1 bad rows skipped" in result.output
    assert "skipped line 5: broken quoting" in result.stderr
    stats = json.loads(cli.invoke(main, ["stats", "--json"]).output)
    assert stats["posts"] == 3 and stats["cases"] == 1 and stats["conversations"] == 1
    assert {"posts", "conversations", "cases", "customers", "filtered"} <= set(stats)
    again = cli.invoke(main, ["ingest", str(path)])
    assert "0 new posts, 3 already stored" in again.output
    assert json.loads(cli.invoke(main, ["stats", "--json"]).output) == stats
    thread = json.loads(cli.invoke(main, ["thread", "2", "--network", "x", "--json"]).output)
    assert thread["posts"] == ["3", "1", "2"] and isinstance(thread["conversation_id"], int)


def test_users_tokens_and_brands(cli: CliRunner) -> None:
    added = cli.invoke(
        main, ["users", "add", "ana", "--role", "agent"], input="correct horse battery\n"
    )
    assert added.exit_code == 0, added.output
    token = cli.invoke(main, ["tokens", "add", "ana"]).output.strip()
    assert token.startswith("atd_") and len(token) > 30
    brand = cli.invoke(
        main,
        [
            "brands",
            "add",
            "Acme",
            "--x-handle",
            "AcmeHelp",
            "--x-user-id",
            "12",
            "--mastodon-acct",
            "acme@social.example",
        ],
    )
    assert brand.exit_code == 0 and "2 account(s)" in brand.output


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (
            ["users", "add", "bo", "--role", "king"],
            "long enough pw\n",
            "Invalid value for '--role'",
        ),
        (["users", "add", "bo", "--role", "agent"], "short\n", "at least 8 characters"),
        (["users", "add", "bo", "--role", "agent"], "", "no password on standard input"),
        (["tokens", "add", "nobody"], None, "no user named 'nobody'"),
        (["thread", "999", "--json"], None, "no x post with id 999"),
        (["thread", "1", "--network", "myspace"], None, "unknown network 'myspace'"),
        (["brands", "add", "X", "--x-user-id", "12"], None, "--x-user-id needs --x-handle"),
        (["ingest", "/does/not/exist.csv"], None, "does not exist"),
        (["stats", "--jsn"], None, "No such option"),
    ],
)
def test_wrong_arguments_get_a_clear_message_and_nonzero_exit(
    cli: CliRunner, args: list[str], stdin: str | None, message: str
) -> None:
    result = cli.invoke(main, args, input=stdin)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_file_that_is_not_a_replay_is_refused_whole(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("id,body\n1,hi\n", encoding="utf-8")
    result = cli.invoke(main, ["ingest", str(path)])
    assert result.exit_code == 1 and "missing columns" in result.output


def test_customers_import_reports_bad_rows(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_text(
        "external_id,name,email,phone,x_handle,mastodon_acct,bluesky_handle\n"
        "C-1,Dana,dana@example.org,,dana,,\n"
        "C-2,Bad,nope,,,,\n",
        encoding="utf-8",
    )
    result = cli.invoke(main, ["customers", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 created, 0 updated, 0 unchanged, 1 bad rows skipped" in result.output
    assert "skipped line 3: bad email" in result.stderr
    again = cli.invoke(main, ["customers", "import", str(path)])
    assert "0 created, 0 updated, 1 unchanged" in again.output
