"""`atdesk ingest` loses nothing to bad input: bad bytes cost their row, id clashes are reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from atdesk.cli import main
from atdesk.models import Post as PostRow
from atdesk.storage.session import transaction

HEADER = "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n"
WHEN = "Tue Oct 31 22:10:47 +0000 2017"


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("ATDESK_DATABASE_URL", database_url)
    return CliRunner()


def stored_posts(database_url: str) -> dict[str, str]:
    """Native id -> text of every stored post."""
    with transaction(database_url) as session:
        rows = session.execute(select(PostRow.native_id, PostRow.text)).all()
    return {str(native_id): str(text) for native_id, text in rows}


def row(tweet_id: int, text: str, author: str = "115712") -> str:
    """One twcs CSV row from a customer to @acmehelp."""
    return f"{tweet_id},{author},True,{WHEN},@acmehelp {text},,\n"


def test_a_csv_byte_that_is_not_utf8_skips_its_row_and_the_rest_goes_in(
    cli: CliRunner, database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "replay.csv"
    path.write_bytes(
        HEADER.encode()
        + row(1, "my order is late").encode()
        + row(2, "caf\xe9 was closed").encode("latin-1")  # line 3: one Latin-1 byte
        + row(3, "still waiting \u2014 any news?").encode()
        + row(4, "\xff\xfe broken").encode("latin-1")  # line 5
        + row(5, "thanks it came").encode()
    )
    result = cli.invoke(main, ["ingest", str(path)])
    assert result.exit_code == 0, result.output
    assert "skipped line 3: not valid UTF-8: byte 0xe9 at column" in result.stderr
    assert "skipped line 5: not valid UTF-8: byte 0xff at column" in result.stderr
    assert "3 new posts" in result.output and "2 bad rows skipped" in result.output
    assert sorted(stored_posts(database_url)) == ["1", "3", "5"]
    assert stored_posts(database_url)["3"] == "@acmehelp still waiting \u2014 any news?"


def test_a_jsonl_byte_that_is_not_utf8_skips_its_line_and_the_rest_goes_in(
    cli: CliRunner, database_url: str, tmp_path: Path
) -> None:
    def line(native_id: str, text: str) -> bytes:
        post = {
            "network": "mastodon",
            "id": native_id,
            "text": text,
            "created_at": "2026-03-01T14:07:00Z",
            "author": {"id": "77", "handle": "dana@example.social"},
            "to": "help@city.example",
        }
        return json.dumps(post, ensure_ascii=False).encode() + b"\n"

    path = tmp_path / "replay.jsonl"
    path.write_bytes(
        line("9001", "@help bin not collected")
        + line("9002", "@help caf\u00e9").replace("\u00e9".encode(), b"\xe9")  # line 2
        + line("9003", "@help lone \\ud800 escape").replace(b"\\\\ud800", b"\\ud800")  # line 3
        + line("9004", "@help still no bin \U0001f5d1")
    )
    result = cli.invoke(main, ["ingest", str(path)])
    assert result.exit_code == 0, result.output
    assert "skipped line 2: not valid UTF-8: byte 0xe9 at column" in result.stderr
    assert "skipped line 3: text: an unpaired surrogate U+D800" in result.stderr
    assert "2 new posts" in result.output and "2 bad rows skipped" in result.output
    assert sorted(stored_posts(database_url)) == ["9001", "9004"]


def test_an_id_already_stored_with_other_text_is_warned_about_and_kept(
    cli: CliRunner, database_url: str, tmp_path: Path
) -> None:
    first = tmp_path / "first.csv"
    first.write_text(HEADER + row(1, "my order is late") + row(2, "where is it?"), "utf-8")
    assert cli.invoke(main, ["ingest", str(first)]).exit_code == 0

    second = tmp_path / "second.csv"
    second.write_text(
        HEADER
        + row(1, "my order is late")  # line 2: the same post again
        + row(2, "a different post claiming id 2")  # line 3: same id, other text
        + row(3, "a new post")  # line 4
        + row(3, "another text for id 3 in the same file"),  # line 5
        "utf-8",
    )
    result = cli.invoke(main, ["ingest", str(second)])
    assert result.exit_code == 0, result.output
    assert result.stderr.count("already stored with different text") == 2
    assert "warning: line 3: x id 2 already stored with different text; kept the stored one" in (
        result.stderr
    )
    assert "warning: line 5: x id 3 already stored with different text; kept the stored one" in (
        result.stderr
    )
    assert (
        "1 new posts, 1 already stored, 2 already stored with different text (kept)"
        in result.output
    )
    assert stored_posts(database_url) == {
        "1": "@acmehelp my order is late",
        "2": "@acmehelp where is it?",
        "3": "@acmehelp a new post",
    }

    again = cli.invoke(main, ["ingest", str(first)])
    assert "0 new posts, 2 already stored, 0 already stored with different text" in again.output
    assert "warning" not in again.stderr
