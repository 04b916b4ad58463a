"""Replay ingest: everything goes in once, company tweets are agent replies, reruns change nothing."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from atdesk.domain.posts import RawEvent
from atdesk.models import AuditEvent, Brand, BusMessage, Case, Post
from atdesk.pipeline import ingest
from atdesk.pipeline.bus import INBOUND, Stale
from atdesk.pipeline.embedded_bus import EmbeddedBus
from atdesk.pipeline.ingest import ingest_file
from atdesk.pipeline.stats import counts
from atdesk.storage.session import transaction
from tests.factories import post

SAMPLE = """tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id
2,115712,True,Tue Oct 31 22:11:45 +0000 2017,@sprintcare and how do you propose we do that,,1
1,sprintcare,False,Tue Oct 31 22:10:47 +0000 2017,@115712 I understand. I would like to assist you.,2,3
3,115712,True,Tue Oct 31 22:08:27 +0000 2017,@sprintcare I have sent several private messages and no one is responding,1,4
4,sprintcare,False,Tue Oct 31 21:54:49 +0000 2017,@115712 Please send us a Private Message.,3,5
5,115712,True,Tue Oct 31 21:49:35 +0000 2017,@sprintcare is the worst customer service,4,
8,115713,True,Tue Oct 31 22:00:00 +0000 2017,"@AppleSupport my phone
won't charge",,
9,115714,True,Tue Oct 31 23:00:00 +0000 2017,"@sprintcare "broken" quote",,
10,115715,True,not a date,@sprintcare hi,,
"""


def table_counts(url: str) -> dict[str, Any]:
    with transaction(url) as session:
        data = counts(session)
        data["audit"] = session.scalar(select(func.count()).select_from(AuditEvent))
        return data


def test_ingest_twice_stores_once_with_real_first_response(
    database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "sample.csv"
    path.write_text(SAMPLE, encoding="utf-8")
    first = ingest_file(path, database_url, warn=lambda _: None)
    assert first.rows == 6 and first.pipeline.stored == 6
    assert [str(e).split(":")[0] for e in first.bad_rows] == ["line 9", "line 10"]
    before = table_counts(database_url)
    second = ingest_file(path, database_url, warn=lambda _: None)
    assert second.pipeline.stored == 0 and second.pipeline.repeats == 6
    assert table_counts(database_url) == before

    with transaction(database_url) as session:
        brands = set(session.scalars(select(Brand.name)))
        assert brands == {"sprintcare"}, "only authors of inbound=False tweets are companies"
        outbound = session.scalars(select(Post.native_id).where(Post.inbound.is_(False))).all()
        assert sorted(outbound) == ["1", "4"]
        case = session.scalars(select(Case)).one()
        assert case.brand.name == "sprintcare"
        assert case.inbound_count == 3 and case.outbound_count == 2
        assert case.first_response_seconds == 5 * 60 + 14, "21:49:35 -> 21:54:49"
        assert case.status == "open", "the customer wrote after the last agent reply"
        assert case.reopen_count == 0
        posts = session.scalars(select(Post).where(Post.case_id == case.id)).all()
        assert {p.native_id for p in posts} == {"1", "2", "3", "4", "5"}
        apple = session.scalar(select(Post).where(Post.native_id == "8"))
        assert apple is not None and apple.text == "@AppleSupport my phone\nwon't charge"
        assert apple.case_id is None, "no brand account for @AppleSupport in this file: no case"


def test_a_history_ingest_leaves_the_live_bus_to_the_workers(
    database_url: str, tmp_path: Path
) -> None:
    # A live post waits for the workers when the ingest starts. Had the ingest published its
    # batches to the bus, a worker could have run one live (automations, replies) and the
    # ingest could have stored this post as history.
    bus = EmbeddedBus(database_url)
    waiting = post("77", "@sprintcare my phone has no signal", author="115799", handle="lee")
    with transaction(database_url) as session:
        bus.publish(session, INBOUND, [RawEvent(source="jsonl", payload=waiting).to_json()])
    path = tmp_path / "sample.csv"
    path.write_text(SAMPLE, encoding="utf-8")
    report = ingest_file(path, database_url, warn=lambda _: None)
    assert report.pipeline.stored == 6
    assert bus.pending(INBOUND) == 1, "still the workers' to handle, live"
    with transaction(database_url) as session:
        assert session.scalar(select(func.count()).select_from(BusMessage)) == 1
        assert session.scalar(select(Post).where(Post.native_id == "77")) is None


def test_a_batch_that_went_stale_or_lost_a_race_is_stored_again(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The database moving between triage and the write (Stale), and a live worker storing the
    # same rows first (a unique violation): each batch is prepared and stored again, once.
    from sqlalchemy import exc as sa_exc

    faults: list[Exception] = [
        Stale("a brand account was added meanwhile"),
        sa_exc.IntegrityError("INSERT INTO posts", {}, Exception("UNIQUE constraint failed")),
    ]
    real = ingest.process_events
    calls: list[int] = []

    def flaky(session: Any, events: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(len(events))
        if faults:
            real(session, events, *args, **kwargs)  # written, then rolled back by the fault
            raise faults.pop(0)
        return real(session, events, *args, **kwargs)

    monkeypatch.setattr(ingest, "process_events", flaky)
    path = tmp_path / "sample.csv"
    path.write_text(SAMPLE, encoding="utf-8")
    report = ingest_file(path, database_url, warn=lambda _: None)
    assert calls == [6, 6, 6]
    assert report.pipeline.stored == 6 and report.cases_opened == 1, "counted once"
    with transaction(database_url) as session:
        assert session.scalar(select(func.count()).select_from(Post)) == 6
        assert session.scalar(select(func.count()).select_from(Case)) == 1


def test_a_batch_that_stays_stale_fails_the_ingest(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def stale(*_args: Any, **_kwargs: Any) -> Any:
        raise Stale("the models keep changing")

    monkeypatch.setattr(ingest, "process_events", stale)
    path = tmp_path / "sample.csv"
    path.write_text(SAMPLE, encoding="utf-8")
    with pytest.raises(Stale):
        ingest_file(path, database_url, warn=lambda _: None)
    with transaction(database_url) as session:
        assert session.scalar(select(func.count()).select_from(Post)) == 0


@pytest.mark.data
def test_full_twcs_replay_is_exact_and_idempotent(sqlite_url: str, data_dir: Path) -> None:
    path = data_dir / "twcs" / "twcs_merged.csv"
    report = ingest_file(path, sqlite_url, warn=lambda _: None)
    assert report.rows == 37_714 and report.pipeline.stored == 37_714 and not report.bad_rows
    assert report.brands_created == 105
    before = table_counts(sqlite_url)
    assert before["posts"] == 37_714 and before["cases"] > 15_000
    again = ingest_file(path, sqlite_url, warn=lambda _: None)
    assert again.pipeline.stored == 0 and again.cases_opened == 0
    assert table_counts(sqlite_url) == before

    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        for other in [row["in_response_to_tweet_id"], *row["response_tweet_id"].split(",")]:
            if other:
                parent[find(row["tweet_id"])] = find(other)
    expected: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        expected[find(row["tweet_id"])].add(row["tweet_id"])
    with transaction(sqlite_url) as session:
        actual: dict[int, set[str]] = defaultdict(set)
        for native_id, cid in session.execute(select(Post.native_id, Post.conversation_id)):
            actual[cid].add(native_id)
        with_reply = session.scalar(
            select(func.count()).select_from(Case).where(Case.first_response_seconds.is_not(None))
        )
    assert sorted(map(sorted, actual.values())) == sorted(map(sorted, expected.values()))
    assert with_reply and with_reply > 5_000
