"""Cases open, go pending, reopen and resolve with real clocks."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from atdesk.cases.service import auto_resolve, resolve
from atdesk.models import AuditEvent, Case, Post
from atdesk.noise.service import add_block
from atdesk.storage.session import transaction
from tests.factories import T0, brand_reply, make_brand, post, run


def only_case(url: str) -> Case:
    with transaction(url) as session:
        return session.scalars(select(Case)).one()


def test_new_pending_open_resolved_reopened(database_url: str) -> None:
    with transaction(database_url) as session:
        make_brand(session)
        run(session, post("1", "@acmehelp my bill is wrong", minutes=0))
    assert only_case(database_url).status == "new"

    with transaction(database_url) as session:
        run(session, brand_reply("2", "@dana sorry, checking", minutes=30, in_reply_to="1"))
    case = only_case(database_url)
    assert case.status == "pending" and case.first_response_seconds == 1800

    with transaction(database_url) as session:
        run(session, post("3", "@acmehelp any news?", minutes=90, in_reply_to="2"))
    assert only_case(database_url).status == "open"

    with transaction(database_url) as session:
        run(session, brand_reply("4", "@dana fixed, refund sent", minutes=120, in_reply_to="3"))
        case = session.scalars(select(Case)).one()
        resolve(session, case, actor="tester", at=T0 + timedelta(minutes=125))
    case = only_case(database_url)
    assert case.status == "resolved" and case.resolution_seconds == 125 * 60
    assert case.first_response_seconds == 1800, "first response never moves"

    with transaction(database_url) as session:
        run(session, post("5", "@acmehelp it happened again", minutes=600, in_reply_to="4"))
    case = only_case(database_url)
    assert case.status == "open" and case.reopen_count == 1
    assert case.resolved_at is None and case.resolution_seconds is None
    with transaction(database_url) as session:
        actions = list(
            session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.entity_type == "case")
                .order_by(AuditEvent.id)
            )
        )
    assert actions[0] == "case.opened" and "case.resolved" in actions and "case.reopened" in actions


def test_silent_pending_cases_resolve_at_the_agents_last_reply(database_url: str) -> None:
    with transaction(database_url) as session:
        make_brand(session)
        run(
            session,
            post("1", "@acmehelp where is my parcel", minutes=0),
            brand_reply("2", "@dana it arrives tomorrow", minutes=10, in_reply_to="1"),
        )
    with transaction(database_url) as session:
        assert auto_resolve(session, now=T0 + timedelta(hours=1), after=timedelta(hours=48)) == 0
        assert auto_resolve(session, now=T0 + timedelta(days=3), after=timedelta(hours=48)) == 1
    case = only_case(database_url)
    assert case.status == "resolved" and case.resolved_by == "auto-resolve"
    assert case.resolution_seconds == 600


def test_noise_is_stored_with_its_reason_and_never_opens_a_case(database_url: str) -> None:
    with transaction(database_url) as session:
        brand = make_brand(session)
        add_block(session, brand, kind="user", value="spammer", actor="test", now=T0)
        add_block(session, brand, kind="keyword", value="crypto giveaway", actor="test", now=T0)
        report = run(
            session,
            post("1", "@acmehelp win a crypto giveaway now", author="9", handle="promo"),
            post("2", "@acmehelp hello", author="10", handle="Spammer"),
            post("3", "@acmehelp my router keeps dropping", author="11", handle="fan"),
            brand_reply("4", "New prices from today, see our site", minutes=1, in_reply_to="0"),
        )
        assert report.stored == 4 and report.filtered == 2
        reasons = dict(session.execute(select(Post.native_id, Post.filtered_reason)).all())
        assert reasons == {
            "1": "blocked_keyword:crypto giveaway",
            "2": "blocked_user",
            "3": None,
            "4": None,
        }
        cases = session.scalars(select(Case)).all()
        assert [c.customer_author.handle for c in cases] == ["fan"]
