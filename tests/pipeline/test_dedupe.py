"""Deduplication: repeats change nothing, edits update, and the same id with other text is a
conflict that keeps the stored post and is reported, never counted as a plain repeat."""

from __future__ import annotations

from dataclasses import replace

from atdesk.domain.posts import RawEvent
from atdesk.pipeline.dedupe import deduplicate
from atdesk.pipeline.normalize import normalize
from atdesk.storage.session import transaction
from tests.factories import make_brand, post, run


def test_repeats_edits_and_conflicts_are_told_apart(database_url: str) -> None:
    with transaction(database_url) as session:
        make_brand(session)
        run(session, post("1", "@acmehelp my order is late"))
        stored = normalize(RawEvent("jsonl", post("1", "@acmehelp my order is late")))
        other = replace(stored, text="@acmehelp a different post claiming id 1")
        edit = replace(other, edited=True)
        fresh = normalize(RawEvent("jsonl", post("2", "@acmehelp hello")))
        found = deduplicate(session, [stored, other, fresh, replace(fresh, text="hi"), edit])
    assert found.repeats == 1
    assert found.conflicts == [1, 3]  # positions in the batch: other text, same id, no edit
    assert [post.native_id for post in found.new] == ["2"]
    assert [change.text for _, change in found.changes] == [edit.text]
