"""Who is not asked: at most one survey per customer and network in 24 hours whichever brand
asks (on top of each brand's every_days), never in public (a public-only case is asked by DM
where the network lets a brand start one, else skipped), never after spam or noise; and which
question a brand asking both CSAT and NPS sends."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
from sqlalchemy import select

from atdesk.brands.service import add_account, create_brand
from atdesk.cases.actions import add_tags
from atdesk.config import Settings
from atdesk.customers.service import create_customer, link_handle
from atdesk.domain.networks import Network
from atdesk.models import Case, Post, Survey
from atdesk.storage.session import transaction
from atdesk.surveys.settings import parse_settings, update_survey_settings
from atdesk.surveys.tasks import sweep
from tests.surveys.helpers import World, run, x_post

DAY = timedelta(hours=24)
SKY = "acme.bsky.social"
SKY_DID = "did:plc:acme000000000000000000"


def _by_case(world: World) -> dict[int, Survey]:
    return {s.case_id: s for s in world.surveys() if s.case_id is not None}


def _other_brand(world: World, **survey: object) -> int:
    """A second brand on X (@otherhelp), surveys on, its own every_days."""
    with transaction(world.url) as session:
        other = create_brand(session, "Other", [(Network.X, "otherhelp", "1300000000")])
        update_survey_settings(other, parse_settings({"enabled": True, **survey}))
        return other.id


def _case_with_other(world: World, native: str) -> int:
    """Dana asks @otherhelp in public and gets an answer."""
    with transaction(world.url) as session:
        run(
            session,
            x_post(native, "@otherhelp where is my parcel", world.at(-40)),
            x_post(
                f"{native}r",
                "@dana on its way",
                world.at(-30),
                author="1300000000",
                handle="otherhelp",
                in_reply_to=native,
            ),
        )
        case_id = session.scalar(select(Post.case_id).where(Post.native_id == native))
        assert case_id is not None
        return case_id


def test_one_survey_per_customer_and_network_a_day_whichever_brand_asks(
    settings: Settings, http: httpx.Client
) -> None:
    world = World(settings, http).setup(every_days=0)
    _other_brand(world, every_days=0)
    acme = world.answered_case("1")
    early, later = _case_with_other(world, "2"), _case_with_other(world, "3")
    t0: datetime = world.at(1)
    world.resolve(acme)
    sweep(world.url, now=t0)
    world.resolve(early)
    sweep(world.url, now=t0 + DAY - timedelta(seconds=1))
    world.resolve(later)
    sweep(world.url, now=t0 + DAY)
    by_case = _by_case(world)
    assert by_case[acme].status == "queued"
    assert by_case[early].status == "skipped"
    assert "at most one survey per customer and network in 24 hours" in (
        by_case[early].reason or ""
    )
    assert by_case[later].status == "queued", "24 hours later the network is free again"


def test_the_day_limit_is_per_network(settings: Settings, http: httpx.Client) -> None:
    world = World(settings, http).setup(every_days=0)
    with transaction(world.url) as session:
        brand = world.brand(session)
        add_account(session, brand, Network.BLUESKY, SKY, SKY_DID)
        dana = create_customer(session, name="Dana Diaz", actor="test")
        link_handle(session, dana, Network.X, "dana", actor="test")
        link_handle(session, dana, Network.BLUESKY, "dana.bsky.social", actor="test")
    on_x = world.answered_case("1")
    with transaction(world.url) as session:
        run(
            session,
            _sky("s1", "hi, my bill is wrong", world.at(-40), inbound=True),
            _sky("s1r", "fixed it for you", world.at(-30), inbound=False),
        )
        on_sky = session.scalar(select(Post.case_id).where(Post.native_id == "s1"))
        assert on_sky is not None
    world.resolve(on_x)
    sweep(world.url, now=world.at(1))
    world.resolve(on_sky)
    sweep(world.url, now=world.at(2))
    by_case = _by_case(world)
    assert by_case[on_x].status == "queued"
    assert by_case[on_sky].status == "queued", by_case[on_sky].reason
    assert by_case[on_x].customer_id == by_case[on_sky].customer_id is not None


def _sky(native: str, text: str, at: datetime, *, inbound: bool) -> dict[str, object]:
    """A Bluesky chat message between dana and the brand."""
    dana = {"id": "did:plc:dana0000000000000000000", "handle": "dana.bsky.social"}
    brand = {"id": SKY_DID, "handle": SKY}
    return {
        "network": "bluesky",
        "id": native,
        "text": text,
        "created_at": at.isoformat(),
        "author": dana if inbound else brand,
        "direct": True,
        "to": SKY if inbound else "dana.bsky.social",
    }


def test_a_public_only_case_is_asked_by_dm_only_where_the_network_allows(
    settings: Settings, http: httpx.Client
) -> None:
    world = World(settings, http).setup()
    with transaction(world.url) as session:
        add_account(session, world.brand(session), Network.BLUESKY, SKY, SKY_DID)
    on_x = world.answered_case("1")
    with transaction(world.url) as session:
        run(
            session,
            {
                "network": "bluesky",
                "id": "at://did:plc:kim/app.bsky.feed.post/1",
                "text": f"@{SKY} my order is late",
                "created_at": world.at(-40).isoformat(),
                "author": {"id": "did:plc:kim", "handle": "kim.bsky.social"},
            },
            {
                "network": "bluesky",
                "id": "at://did:plc:acme/app.bsky.feed.post/2",
                "text": "@kim.bsky.social sorry, it ships today",
                "created_at": world.at(-30).isoformat(),
                "author": {"id": SKY_DID, "handle": SKY},
                "in_reply_to": "at://did:plc:kim/app.bsky.feed.post/1",
            },
        )
        public_sky = session.scalar(
            select(Post.case_id).where(Post.native_id == "at://did:plc:kim/app.bsky.feed.post/1")
        )
        assert public_sky is not None
    for case_id in (on_x, public_sky):
        world.resolve(case_id)
    world.sweep()
    by_case = _by_case(world)
    assert by_case[public_sky].status == "skipped"
    assert "surveys never go out in public" in (by_case[public_sky].reason or "")
    assert by_case[on_x].status == "queued"
    world.send(minutes=1)
    (sent,) = world.outbox.sent
    assert sent.target is None and sent.recipient is not None and sent.recipient.handle == "dana"


def test_no_survey_after_noise_or_spam(settings: Settings, http: httpx.Client) -> None:
    world = World(settings, http).setup(every_days=0)
    filtered = world.answered_case("1")
    tagged = world.answered_case("2", author="4400000002", handle="lee")
    spam = world.answered_case("3", author="4400000003", handle="kim")
    with transaction(world.url) as session:
        post = session.scalars(select(Post).where(Post.native_id == "1")).one()
        post.filtered_reason = "rule:7"
        case = session.get(Case, tagged)
        assert case is not None
        add_tags(session, case, ["spam"], actor="test")
        session.scalars(select(Post).where(Post.native_id == "3")).one().spam = True
    for case_id in (filtered, tagged, spam):
        world.resolve(case_id)
    world.sweep()
    by_case = _by_case(world)
    assert {s.status for s in by_case.values()} == {"skipped"}
    assert "noise (rule:7)" in (by_case[filtered].reason or "")
    assert "tagged spam" in (by_case[tagged].reason or "")
    assert "flagged as spam" in (by_case[spam].reason or "")
    assert world.send() == 0


def test_a_brand_asking_both_sends_nps_at_most_every_n_days_and_csat_otherwise(
    settings: Settings, http: httpx.Client
) -> None:
    world = World(settings, http).setup(csat=True, nps=True, nps_every_days=30, every_days=0)
    first, second, third = (world.answered_case(n) for n in ("1", "2", "3"))
    t0 = world.at(1)
    world.resolve(first)
    sweep(world.url, now=t0)
    world.resolve(second)
    sweep(world.url, now=t0 + DAY)
    kinds = {case_id: s.kind for case_id, s in _by_case(world).items()}
    assert kinds == {first: "nps", second: "csat"}
    assert _by_case(world)[first].text.startswith(
        "Thanks for getting in touch with Acme, Dana. How likely"
    )

    with transaction(world.url) as session:
        update_survey_settings(
            world.brand(session),
            parse_settings({"enabled": True, "kind": "nps", "nps_every_days": 30, "every_days": 0}),
        )
    world.resolve(third)
    sweep(world.url, now=t0 + 2 * DAY)
    skipped = _by_case(world)[third]
    assert skipped.status == "skipped" and "at most one NPS every 30 days" in (skipped.reason or "")
