"""Listening on X (ADR 88): a brand's terms, exclusions, executives and threads as filtered
stream rules reconciled like its mention rule, and recent search back-filling them, over
real sockets to the emulator."""

from __future__ import annotations

import pytest

from atdesk.channels.base import ChannelDeps, PageCursor
from atdesk.channels.observer import RecordingObserver
from atdesk.channels.streaming import StreamConfig
from atdesk.channels.x.account import XAccount
from atdesk.channels.x.polling import XPollConfig
from atdesk.channels.x.provider import XChannel
from atdesk.channels.x.stream_rules import StreamMembers, rule_tag, rule_values
from atdesk.domain.listening import (
    Listening,
    ListeningError,
    listen_rule_values,
    term_rule_values,
    validated,
)
from atdesk.emulators.base import wait_until
from atdesk.emulators.x import STREAM_PATH, XEmulator
from atdesk.emulators.x_query import query_matches
from tests.channels.conftest import BRAND
from tests.channels.streams import running

FAST = StreamConfig(keepalive_timeout=1.0)
SEARCH = "/2/tweets/search/recent"


def listening(**kw: object) -> Listening:
    base: dict[str, object] = {
        "terms": ["streetlight", '"bin day"', "#cityfail"],
        "exclusions": ["#marketing", '"press release"'],
        "executives": ["mayor_jo"],
        "brand_threads": True,
    }
    base.update(kw)
    return validated(
        list(base["terms"]),  # type: ignore[call-overload]
        list(base["exclusions"]),  # type: ignore[call-overload]
        list(base["executives"]),  # type: ignore[call-overload]
        bool(base["brand_threads"]),
    )


# --- rule values ------------------------------------------------------------------------


def test_terms_become_one_or_group_with_every_exclusion_and_no_retweets() -> None:
    assert term_rule_values(listening()) == [
        '(streetlight OR "bin day" OR #cityfail) -#marketing -"press release" -is:retweet'
    ]
    assert listen_rule_values(listening(), BRAND) == [
        '(streetlight OR "bin day" OR #cityfail) -#marketing -"press release" -is:retweet',
        "(@mayor_jo OR to:mayor_jo) -from:mayor_jo -is:retweet",
        f"to:{BRAND.lower()} -from:{BRAND.lower()} -is:retweet",
    ]


def test_terms_past_the_rule_length_are_split_and_each_rule_fits() -> None:
    terms = [f"term{i:02d}xxxxxxxxxxxxxxxx" for i in range(50)]
    values = term_rule_values(listening(terms=terms), limit=300)
    assert len(values) > 1 and all(len(v) <= 300 for v in values)
    assert all(v.endswith('-#marketing -"press release" -is:retweet') for v in values)
    packed = [t for v in values for t in v.split(" -")[0].strip("()").split(" OR ")]
    assert packed == terms, "every term once, in order"


def test_settings_are_refused_with_a_reason() -> None:
    with pytest.raises(ListeningError, match="double quotes"):
        listening(terms=["late delivery"])
    with pytest.raises(ListeningError, match="empty"):
        listening(terms=["  "])
    with pytest.raises(ListeningError, match="needs text"):
        listening(terms=['""'])
    with pytest.raises(ListeningError, match="at most 60"):
        listening(terms=["x" * 61])
    with pytest.raises(ListeningError, match="at most 50"):
        listening(terms=[f"w{i}" for i in range(51)])
    with pytest.raises(ListeningError, match="both tracked and excluded"):
        listening(terms=["#cityfail"], exclusions=["#CityFail"])
    with pytest.raises(ListeningError, match="executives"):
        listening(terms=["@mayor_jo"])
    with pytest.raises(ListeningError, match="no room is left"):
        listening(exclusions=[f"{'w' * 55}{i:02d}" for i in range(20)])


def test_the_emulator_reads_the_rules_as_x_would() -> None:
    users = {"1": {"username": "dana"}, "2": {"username": "mayor_jo"}}
    value = listen_rule_values(listening(), BRAND)[0]

    def tweet(text: str, tags: tuple[str, ...] = ()) -> dict[str, object]:
        hashtags = [{"tag": t} for t in tags]
        return {"id": "9", "text": text, "author_id": "1", "entities": {"hashtags": hashtags}}

    assert query_matches(value, tweet("the STREETLIGHT on Elm is out"), users)
    assert query_matches(value, tweet("missed bin day again"), users)
    assert query_matches(value, tweet("ugh #cityfail", ("cityfail",)), users)
    assert not query_matches(value, tweet("streetlights are pretty"), users), "whole words"
    assert not query_matches(value, tweet("bin the day"), users), "a phrase is exact"
    assert not query_matches(value, tweet("streetlight #marketing", ("marketing",)), users)
    assert not query_matches(value, tweet("streetlight: see the press release"), users)


# --- stream rules, reconciled -----------------------------------------------------------


def test_listening_rules_join_the_mention_rule_and_reconcile_idempotently(
    x_emulator: XEmulator, x_account: XAccount, deps: ChannelDeps
) -> None:
    app = x_emulator.apps["app"]
    app.rules["5"] = {"id": "5", "value": "flooding", "tag": "marketing"}
    channel = XChannel(deps)
    brand = x_account.with_(listen=listening())
    channel.reconcile_stream_rules(x_account, [brand])
    ours = {r["value"] for r in app.rules.values() if r.get("tag") == rule_tag(brand)}
    assert ours == set(rule_values(brand)) and len(ours) == 4
    ids = set(app.rules)

    channel.reconcile_stream_rules(x_account, [brand])
    assert set(app.rules) == ids, "the same settings change nothing"

    fewer = brand.with_(listen=listening(terms=["pothole"], executives=[], brand_threads=False))
    channel.reconcile_stream_rules(x_account, [fewer])
    ours = {r["value"] for r in app.rules.values() if r.get("tag") == rule_tag(brand)}
    assert ours == {f"@{BRAND}", 'pothole -#marketing -"press release" -is:retweet'}
    assert app.rules["5"]["value"] == "flooding", "other rules of the app are left alone"
    assert "@" + BRAND in {r["value"] for r in app.rules.values()}


def test_a_heard_post_reaches_the_brand_on_the_stream_and_an_excluded_one_does_not(
    x_emulator: XEmulator, x_account: XAccount, deps: ChannelDeps
) -> None:
    channel = XChannel(deps, stream_config=FAST)
    brand = x_account.with_(listen=listening())
    brands = StreamMembers([brand])

    def stream(app: XAccount, on_batch: object, stop: object) -> None:
        channel.stream_app(app, brands, on_batch, stop)  # type: ignore[arg-type]

    with running(stream, brand) as run:
        assert wait_until(lambda: x_emulator.count("GET", STREAM_PATH, 200) == 1)
        heard = x_emulator.post("dana", "streetlight out on Elm since Monday")
        x_emulator.post("kim", "streetlight promo #marketing")
        ceo = x_emulator.post("ori", "@mayor_jo the bins were not collected")
        assert wait_until(lambda: len(run.events()) == 2)
    ids = [e.payload["tweet"]["id"] for e in run.events()]
    assert ids == [heard, ceo]
    assert all(e.payload["brand"]["handle"] == BRAND for e in run.events())


# --- recent search back-fill ------------------------------------------------------------


def test_recent_search_back_fills_every_page_and_moves_the_mark_at_the_end(
    x_emulator: XEmulator, x_account: XAccount, deps: ChannelDeps, observer: RecordingObserver
) -> None:
    old = x_emulator.post("dana", "streetlight was fixed, old news")
    posted = [x_emulator.post(f"user{i}", f"streetlight {i} is out") for i in range(23)]
    x_emulator.post("kim", "nothing about lights")
    only_terms = listening(executives=[], brand_threads=False)
    (value,) = listen_rule_values(only_terms, BRAND)
    brand = x_account.with_(
        listen=only_terms, searches={value: PageCursor(high_water=old, seeded=True)}
    )
    channel = XChannel(deps, poll_config=XPollConfig(search_page_size=10), poll_dms=False)
    batches = list(channel.poll(brand))
    found = [e.payload["tweet"]["id"] for b in batches for e in b.events]
    heard = [i for i in found if i != old and i in posted]
    assert sorted(heard, key=int) == posted and len(found) == len(set(found))
    searches = [c for c in observer.calls if c.endpoint == "GET " + SEARCH]
    assert len(searches) == 3, "23 posts in pages of 10"
    mids = [b.account.searches[value] for b in batches if b.account.searches[value].next_token]
    assert len(mids) == 2 and all(c.high_water == old for c in mids), "mid-pass: mark stays"
    final = batches[-1].account.searches[value]
    assert final.high_water == posted[-1] and final.next_token is None
    assert batches[-1].complete

    again = list(channel.poll(batches[-1].account))
    assert [e for b in again for e in b.events if e.payload["tweet"]["id"] in posted] == []


def test_a_first_search_reads_only_the_newest_page_and_dropped_terms_lose_their_cursor(
    x_emulator: XEmulator, x_account: XAccount, deps: ChannelDeps
) -> None:
    for i in range(15):
        x_emulator.post(f"user{i}", f"pothole number {i}")
    terms = listening(terms=["pothole"], executives=[], brand_threads=False)
    stale = {"gone -is:retweet": PageCursor(high_water="1", seeded=True)}
    brand = x_account.with_(listen=terms, searches=stale)
    channel = XChannel(deps, poll_config=XPollConfig(search_page_size=10), poll_dms=False)
    batches = list(channel.poll(brand))
    searched = [e for b in batches for e in b.events if "pothole" in e.payload["tweet"]["text"]]
    assert len(searched) == 10
    final = batches[-1].account.searches
    (value,) = listen_rule_values(terms, BRAND)
    assert list(final) == [value] and final[value].seeded
