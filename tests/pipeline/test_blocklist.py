"""Block lists as the filter stage applies them: users, keywords and patterns, patterns checked
before they are saved and searched under a time limit, and every change audited."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from atdesk.domain.errors import Conflict
from atdesk.models import AuditEvent, BlockEntry, Case, Post
from atdesk.noise.service import add_block, remove_block
from atdesk.pipeline.blocklist import (
    KEYWORD_MAX_CHARS,
    MAX_ENTRIES_PER_BRAND,
    MAX_PATTERNS_PER_BRAND,
    PATTERN_MAX_CHARS,
    BlockEntryError,
    BlockKind,
    BlockList,
    check_room,
    normalised_value,
)
from atdesk.storage.session import transaction
from tests.factories import T0, make_brand, post, run


def blocks(*entries: tuple[str, str]) -> BlockList:
    found = BlockList()
    for kind, value in entries:
        found.add(kind, normalised_value(BlockKind(kind), value))
    return found


def test_users_keywords_and_patterns_match_as_the_lists_say() -> None:
    found = blocks(
        ("user", "@Spammer"), ("keyword", "Crypto Giveaway"), ("regex", r"free\s+iphone")
    )
    assert found.reason("SPAMMER", "hello") == "blocked_user"
    assert found.reason("@spammer", "hello") == "blocked_user"
    assert found.reason("spammer2", "hello") is None, "a handle matches whole, not as a prefix"
    assert found.reason("dana", "win a CRYPTO giveaway now") == "blocked_keyword:crypto giveaway"
    assert found.reason("dana", "crypto-giveaway") is None
    assert found.reason("dana", "get a FREE   iPhone today") == r"blocked_regex:free\s+iphone"
    assert found.reason("dana", "my free phone broke") is None
    # The author is asked first, then keywords, then patterns.
    assert found.reason("spammer", "free iphone crypto giveaway") == "blocked_user"
    assert found.reason("dana", "free iphone crypto giveaway") == "blocked_keyword:crypto giveaway"


def test_a_reason_always_fits_the_posts_column() -> None:
    long_pattern = "(?:" + "|".join(f"word{i}" for i in range(20)) + ")"
    found = blocks(("regex", long_pattern))
    reason = found.reason("dana", "this has word7 in it")
    assert reason is not None and reason.startswith("blocked_regex:(?:word0|") and len(reason) == 64


@pytest.mark.parametrize(
    ("kind", "value", "says"),
    [
        (BlockKind.USER, "   ", "must not be empty"),
        (BlockKind.USER, "two words", "is not a handle"),
        (BlockKind.KEYWORD, "x" * (KEYWORD_MAX_CHARS + 1), f"at most {KEYWORD_MAX_CHARS}"),
        (BlockKind.REGEX, "a" * (PATTERN_MAX_CHARS + 1), f"at most {PATTERN_MAX_CHARS}"),
        (BlockKind.REGEX, "free(iphone", "does not compile"),
        (BlockKind.REGEX, "x*", "matches an empty text"),
        (BlockKind.REGEX, r"(a+)+$", "too slow"),
        (BlockKind.REGEX, r"(\w+\s?)+$", "too slow"),
    ],
)
def test_values_that_cannot_work_are_refused_with_the_reason(
    kind: BlockKind, value: str, says: str
) -> None:
    with pytest.raises(BlockEntryError, match=says.replace("(", r"\(")):
        normalised_value(kind, value)


def test_values_are_stored_as_they_compare() -> None:
    assert normalised_value(BlockKind.USER, " @Dana ") == "dana"
    assert normalised_value(BlockKind.KEYWORD, "  Free Crypto ") == "free crypto"
    assert normalised_value(BlockKind.REGEX, r" Free\s+Crypto ") == r"Free\s+Crypto"


def test_a_pattern_that_runs_out_of_time_on_a_post_does_not_match_and_the_batch_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Passes the probes (they hold no run of q's), backtracks without end on one.
    slow = r"(q+q+)+y"
    normalised_value(BlockKind.REGEX, slow)
    found = blocks(("regex", slow), ("regex", "refund"))
    with caplog.at_level(logging.WARNING, logger="atdesk.pipeline.blocklist"):
        assert found.reason("dana", "q" * 4000) is None
        assert found.reason("dana", "q" * 4000 + " refund please") == "blocked_regex:refund"
    assert any("ran out of time" in r.getMessage() for r in caplog.records)


def test_a_brand_has_room_for_so_many_entries_and_patterns() -> None:
    check_room(BlockKind.REGEX, {"regex": MAX_PATTERNS_PER_BRAND - 1})
    with pytest.raises(BlockEntryError, match="at most 50 patterns"):
        check_room(BlockKind.REGEX, {"regex": MAX_PATTERNS_PER_BRAND})
    check_room(BlockKind.KEYWORD, {"regex": MAX_PATTERNS_PER_BRAND})
    with pytest.raises(BlockEntryError, match="block entries"):
        check_room(BlockKind.USER, {"keyword": MAX_ENTRIES_PER_BRAND})


def test_the_pipeline_filters_by_every_kind_and_skips_a_stored_pattern_that_breaks(
    database_url: str,
) -> None:
    with transaction(database_url) as session:
        brand = make_brand(session)
        add_block(session, brand, kind="user", value="@Promo", actor="test", now=T0)
        add_block(session, brand, kind="keyword", value="Crypto Giveaway", actor="test", now=T0)
        add_block(session, brand, kind="regex", value=r"\bfree\s+i?phones?\b", actor="test", now=T0)
        # Written around the checks (as an old row could be): skipped, the rest still applies.
        session.add(BlockEntry(brand_id=brand.id, kind="regex", value="broken(", created_by="x"))
        session.flush()
        report = run(
            session,
            post("1", "@acmehelp hi", author="9", handle="PROMO"),
            post("2", "@acmehelp a CRYPTO GIVEAWAY for you", author="10", handle="lee"),
            post("3", "@acmehelp Free  iPhones here", author="11", handle="kim"),
            post(
                "4", "@acmehelp my phone line is down since this morning", author="12", handle="fan"
            ),
        )
        assert report.stored == 4 and report.filtered == 3
        reasons = dict(session.execute(select(Post.native_id, Post.filtered_reason)).all())
        assert reasons == {
            "1": "blocked_user",
            "2": "blocked_keyword:crypto giveaway",
            "3": r"blocked_regex:\bfree\s+i?phones?\b",
            "4": None,
        }
        cases = session.scalars(select(Case)).all()
        assert [c.customer_author.handle for c in cases] == ["fan"]


def test_other_brands_lists_do_not_apply(database_url: str) -> None:
    with transaction(database_url) as session:
        from atdesk.brands.service import create_brand
        from atdesk.domain.networks import Network

        make_brand(session)
        other = create_brand(session, "Other", [(Network.X, "otherhelp", "1300000000")])
        add_block(session, other, kind="keyword", value="refund", actor="test", now=T0)
        run(
            session,
            post("1", "@acmehelp refund please", author="9", handle="a"),
            post("2", "@otherhelp refund please", author="10", handle="b"),
        )
        reasons = dict(session.execute(select(Post.native_id, Post.filtered_reason)).all())
        assert reasons == {"1": None, "2": "blocked_keyword:refund"}


def test_adding_and_removing_is_audited_and_duplicates_are_refused(database_url: str) -> None:
    with transaction(database_url) as session:
        brand = make_brand(session)
        entry = add_block(
            session, brand, kind="user", value="@Troll", note="harasses staff", actor="root", now=T0
        )
        assert (entry.kind, entry.value, entry.created_by, entry.created_at) == (
            "user",
            "troll",
            "root",
            T0,
        )
        with pytest.raises(Conflict, match="already blocks the user 'troll'"):
            add_block(session, brand, kind="user", value="troll", actor="root", now=T0)
        remove_block(session, brand, entry.id, actor="root")
        assert session.scalars(select(BlockEntry)).all() == []
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.entity_type == "brand").order_by(AuditEvent.id)
        ).all()
        trail = [(e.action, e.actor, e.before, e.after) for e in events if "block" in e.action]
        shown = {"brand_id": brand.id, "kind": "user", "value": "troll", "note": "harasses staff"}
        assert trail == [
            ("brand.block_added", "root", {}, {"entry_id": entry.id, **shown}),
            ("brand.block_removed", "root", {"entry_id": entry.id, **shown}, {}),
        ]
