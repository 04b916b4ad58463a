"""Listening beyond @mentions in the pipeline (ADR 88): a post that addresses no brand account
is assigned to the brand whose terms, executives or threads it matches, triaged like a
mention, and opens a case only when it asks for help or is high risk."""

from __future__ import annotations

from sqlalchemy import select

from atdesk.models import Brand, Case, Post
from atdesk.storage.session import transaction
from tests.factories import brand_reply, make_brand, post, run

LISTENING = {
    "listening": {
        "terms": ["acme", '"acme router"', "#acmefail"],
        "exclusions": ["#looneytunes", '"wile e"'],
        "brand_threads": True,
    },
    "watched_handles": ["acme_ceo"],
}


def listening_brand(url: str) -> int:
    with transaction(url) as session:
        brand = make_brand(session)
        brand.settings = {**(brand.settings or {}), **LISTENING}
        session.flush()
        return brand.id


def stored(url: str, native_id: str) -> Post:
    with transaction(url) as session:
        row = session.scalars(select(Post).where(Post.native_id == native_id)).one()
        session.expunge(row)
        return row


def cases(url: str) -> list[Case]:
    with transaction(url) as session:
        found = list(session.scalars(select(Case).order_by(Case.id)))
        for case in found:
            session.expunge(case)
        return found


def test_a_term_post_asking_for_help_opens_a_case_of_the_brand(database_url: str) -> None:
    brand_id = listening_brand(database_url)
    with transaction(database_url) as session:
        run(session, post("1", "my acme router keeps dropping the wifi, how do I fix it?"))
    row = stored(database_url, "1")
    assert (row.brand_id, row.heard_as, row.listen_only) == (brand_id, "term", False)
    assert row.intent not in (None, "praise", "other")
    [case] = cases(database_url)
    assert case.brand_id == brand_id and case.conversation_id == row.conversation_id


def test_praise_heard_by_a_term_is_kept_as_a_mention_without_a_case(database_url: str) -> None:
    brand_id = listening_brand(database_url)
    with transaction(database_url) as session:
        report = run(session, post("1", "Thank you acme, love it, great job!"))
    row = stored(database_url, "1")
    assert (row.brand_id, row.heard_as, row.listen_only) == (brand_id, "term", True)
    assert row.intent in ("praise", "other") and row.filtered_reason is None
    assert cases(database_url) == [] and report.case_changes == []


def test_an_exclusion_vetoes_the_term_and_the_post_stays_unassigned(database_url: str) -> None:
    listening_brand(database_url)
    with transaction(database_url) as session:
        run(session, post("1", "acme anvils fall on wile e again, my order is broken #looneytunes"))
    row = stored(database_url, "1")
    assert (row.brand_id, row.heard_as) == (None, None)
    assert cases(database_url) == []


def test_a_hashtag_term_matches_the_tag_not_the_bare_word(database_url: str) -> None:
    brand_id = listening_brand(database_url)
    with transaction(database_url) as session:
        run(
            session,
            post("1", "#acmefail the app crashed and I lost my order, please help", author="5"),
            post("2", "acmefail is a funny word", author="6", handle="ori"),
        )
    assert stored(database_url, "1").brand_id == brand_id
    assert stored(database_url, "2").brand_id is None, "a term is a whole word, not a prefix"


def test_a_negative_post_at_the_ceo_opens_a_case_even_without_a_request(
    database_url: str,
) -> None:
    brand_id = listening_brand(database_url)
    with transaction(database_url) as session:
        run(session, post("1", "@acme_ceo you are a disgrace, worst company ever, shameful"))
    row = stored(database_url, "1")
    assert (row.brand_id, row.heard_as, row.listen_only) == (brand_id, "executive", False)
    assert [c.brand_id for c in cases(database_url)] == [brand_id]


def test_a_friendly_post_at_the_ceo_is_only_a_mention(database_url: str) -> None:
    brand_id = listening_brand(database_url)
    with transaction(database_url) as session:
        run(session, post("1", "@acme_ceo congrats on the keynote, thank you!"))
    row = stored(database_url, "1")
    assert (row.brand_id, row.heard_as, row.listen_only) == (brand_id, "executive", True)
    assert cases(database_url) == []


def test_a_reply_under_the_brands_own_post_is_heard_and_so_is_the_reply_to_it(
    database_url: str,
) -> None:
    brand_id = listening_brand(database_url)
    with transaction(database_url) as session:
        run(session, brand_reply("10", "Our spring sale starts today", minutes=0, in_reply_to=""))
    with transaction(database_url) as session:
        run(
            session,
            post(
                "11",
                "does it include the express delivery? my last one never came",
                author="7",
                handle="sam",
                minutes=5,
                in_reply_to="10",
            ),
        )
    with transaction(database_url) as session:
        run(
            session,
            post(
                "12",
                "same here, mine never arrived either, where is it?",
                author="8",
                handle="kim",
                minutes=9,
                in_reply_to="11",
            ),
        )
    first, deeper = stored(database_url, "11"), stored(database_url, "12")
    assert (first.brand_id, first.heard_as) == (brand_id, "brand_thread")
    assert (deeper.brand_id, deeper.heard_as) == (brand_id, "brand_thread")


def test_without_the_thread_switch_replies_under_brand_posts_are_not_heard(
    database_url: str,
) -> None:
    with transaction(database_url) as session:
        brand = make_brand(session)
        brand.settings = {"listening": {"terms": ["acme"], "brand_threads": False}}
    with transaction(database_url) as session:
        run(session, brand_reply("10", "Our spring sale starts today", minutes=0, in_reply_to=""))
        run(session, post("11", "where is my parcel? it never came", minutes=5, in_reply_to="10"))
    assert stored(database_url, "11").heard_as is None


def test_mentions_and_dms_keep_their_behaviour_and_are_marked_how_they_came(
    database_url: str,
) -> None:
    brand_id = listening_brand(database_url)
    with transaction(database_url) as session:
        run(
            session,
            post("1", "@acmehelp thank you, all good now!"),
            post(
                "2", "hi, my invoice is wrong", author="9", handle="lee", direct=True, to="acmehelp"
            ),
        )
    mention, direct = stored(database_url, "1"), stored(database_url, "2")
    assert (mention.heard_as, mention.listen_only) == ("mention", False)
    assert (direct.heard_as, direct.listen_only, direct.brand_id) == ("direct", False, brand_id)
    assert len(cases(database_url)) == 2, "a mention opens a case even when it is praise"


def test_a_post_for_no_brand_stays_unassigned_when_nobody_listens(database_url: str) -> None:
    with transaction(database_url) as session:
        make_brand(session)
        run(session, post("1", "acme router is broken, help"))
    row = stored(database_url, "1")
    assert (row.brand_id, row.heard_as, row.listen_only) == (None, None, False)
    with transaction(database_url) as session:
        assert session.scalars(select(Brand)).one().settings.get("listening") is None
