"""Suggested replies come from how the brand answered the most similar past cases."""

from __future__ import annotations

from sqlalchemy import select

from atdesk.config import Settings
from atdesk.models import Author, Case
from atdesk.respond.suggest import clean_reply, suggest_replies
from atdesk.storage.session import transaction
from tests.factories import brand_reply, make_brand, post, run


def test_the_most_similar_past_case_leads_and_mentions_are_dropped(settings: Settings) -> None:
    with transaction(settings.database_url) as session:
        make_brand(session)
        run(
            session,
            post(
                "1",
                "@acmehelp my parcel never arrived, tracking says delivered",
                author="11",
                handle="a",
            ),
            brand_reply(
                "2",
                "@a Sorry! We'll open a missing parcel claim today.",
                minutes=5,
                in_reply_to="1",
            ),
            post("3", "@acmehelp the app crashes when I open my basket", author="12", handle="b"),
            brand_reply(
                "4",
                "@b Please update the app; version 5.2 fixes the crash.",
                minutes=5,
                in_reply_to="3",
            ),
            post(
                "5",
                "@acmehelp tracking says delivered but no parcel here",
                author="13",
                handle="c",
                minutes=60,
            ),
        )
        author = session.scalars(select(Author).where(Author.handle == "c")).one()
        case = session.scalars(select(Case).where(Case.customer_author_id == author.id)).one()
        found = suggest_replies(session, case, "tracking says delivered but no parcel here")
        assert [s.text for s in found][:1] == ["Sorry! We'll open a missing parcel claim today."]
        assert all(s.case_id != case.id for s in found)
        assert suggest_replies(session, case, "zzz qqq") == []
    assert clean_reply("@a @b  Thanks!") == "Thanks!"
