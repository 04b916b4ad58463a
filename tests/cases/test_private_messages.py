"""A customer's DMs join their open public case: one case, one thread in time order."""

from __future__ import annotations

from sqlalchemy import select

from atdesk.cases.queries import case_posts
from atdesk.config import Settings
from atdesk.models import Case
from atdesk.storage.session import transaction
from tests.factories import brand_reply, make_brand, post, run


def test_a_dm_after_a_public_mention_continues_the_same_case(settings: Settings) -> None:
    with transaction(settings.database_url) as session:
        make_brand(session)
        run(
            session,
            post("1", "@acmehelp my card was charged twice", minutes=0),
            brand_reply("2", "@dana sorry! please DM us", minutes=3, in_reply_to="1"),
        )
        run(
            session,
            post(
                "3", "here is my account number 5566778899", minutes=6, to="acmehelp", direct=True
            ),
        )
        case = session.scalars(select(Case)).one()
        assert case.status == "open", "the customer wrote last, in private"
        assert case.inbound_count == 2 and case.outbound_count == 1
        thread = case_posts(session, case)
        assert [p.native_id for p in thread] == ["1", "2", "3"]
        assert [p.direct for p in thread] == [False, False, True]
        assert {p.case_id for p in thread} == {case.id}


def test_a_dm_from_someone_without_a_case_opens_its_own(settings: Settings) -> None:
    with transaction(settings.database_url) as session:
        make_brand(session)
        run(session, post("1", "@acmehelp my card was charged twice", minutes=0))
        run(
            session,
            post(
                "9",
                "hello, question about fees",
                author="77",
                handle="zoe",
                to="acmehelp",
                direct=True,
            ),
        )
        assert len(session.scalars(select(Case)).all()) == 2
