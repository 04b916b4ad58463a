"""Listening on Mastodon and Bluesky (ADR 88), over real sockets to the emulators: tag
timelines and status search with a mark per term, searchPosts back to a mark with cursor
paging; excluded and off-term hits set aside, the brand's own posts never heard."""

from __future__ import annotations

from atdesk.channels.base import ChannelDeps, EventKind
from atdesk.channels.bluesky.account import BlueskyAccount
from atdesk.channels.bluesky.polling import BlueskyPollConfig
from atdesk.channels.bluesky.provider import BlueskyChannel
from atdesk.channels.mastodon.account import MastodonAccount
from atdesk.channels.mastodon.polling import MastodonPollConfig
from atdesk.channels.mastodon.provider import MastodonChannel
from atdesk.channels.observer import RecordingObserver
from atdesk.domain.listening import validated
from atdesk.emulators.bluesky import BlueskyEmulator
from atdesk.emulators.mastodon import MastodonEmulator
from atdesk.pipeline.normalize import normalize
from tests.channels.conftest import BLUESKY_BRAND, MASTODON_BRAND

HEARD = validated(["#binday", '"missed collection"'], ["#satire"], [], False)


def mastodon_ids(batches: list) -> list[str]:  # type: ignore[type-arg]
    return [e.payload["status"]["id"] for b in batches for e in b.events]


def test_mastodon_hears_tag_timelines_and_search_and_marks_each_term(
    mastodon_emulator: MastodonEmulator,
    mastodon_account: MastodonAccount,
    deps: ChannelDeps,
    observer: RecordingObserver,
) -> None:
    tagged = mastodon_emulator.post("dana", "no pickup again #BinDay")
    searched = mastodon_emulator.post("ori", "second missed collection this month")
    mastodon_emulator.post("kim", "#binday jokes #satire")
    mastodon_emulator.post(MASTODON_BRAND, "Reminder: #binday is Tuesday")
    mastodon_emulator.post("lee", "I never missed a collection", visibility="public")
    channel = MastodonChannel(deps)
    account = mastodon_account.with_(listen=HEARD)

    first = list(channel.poll(account))
    assert sorted(mastodon_ids(first), key=int) == sorted([tagged, searched], key=int)
    ignored = {i.reason for b in first for i in b.ignored}
    assert "written by the brand" in ignored and "no tracked term, or excluded" in ignored
    marks = first[-1].account.heard_marks
    assert set(marks) == {"tag:binday", 'search:"missed collection"'} and first[-1].complete
    endpoints = {c.endpoint for c in observer.calls}
    assert {"GET /api/v1/timelines/tag/:hashtag", "GET /api/v2/search"} <= endpoints

    again = list(channel.poll(first[-1].account))
    assert mastodon_ids(again) == []
    newer = mastodon_emulator.post("sam", "#binday skipped our street")
    third = list(channel.poll(again[-1].account))
    assert mastodon_ids(third) == [newer]
    post = normalize(third[-2].events[0] if third[-2].events else third[-1].events[0])
    assert post.to_handle is None and post.inbound is None and "#binday" in post.text.lower()


def test_mastodon_pages_forward_from_the_mark_and_drops_marks_of_old_terms(
    mastodon_emulator: MastodonEmulator, mastodon_account: MastodonAccount, deps: ChannelDeps
) -> None:
    channel = MastodonChannel(deps, poll_config=MastodonPollConfig(page_size=2))
    only_tag = validated(["#binday"], [], [], False)
    account = mastodon_account.with_(listen=only_tag, heard_marks={"search:gone": "5"})
    seeded = list(channel.poll(account))[-1].account
    assert set(seeded.heard_marks) == {"tag:binday"}
    posted = [mastodon_emulator.post(f"user{i}", f"#binday {i}") for i in range(5)]
    read = list(channel.poll(seeded))
    pages = [mastodon_ids([b]) for b in read if b.events]
    assert pages == [posted[1::-1], posted[3:1:-1], posted[4:]], "oldest page first, none skipped"
    assert read[-1].account.heard_marks["tag:binday"] == posted[-1]


def bluesky_uris(batches: list) -> list[str]:  # type: ignore[type-arg]
    return [e.payload["post"]["uri"] for b in batches for e in b.events]


def test_bluesky_search_posts_pages_by_cursor_back_to_the_mark(
    bluesky_emulator: BlueskyEmulator,
    bluesky_account: BlueskyAccount,
    deps: ChannelDeps,
    observer: RecordingObserver,
) -> None:
    channel = BlueskyChannel(deps, poll_config=BlueskyPollConfig(page_size=2, read_chat=False))
    account = bluesky_account.with_(listen=HEARD)
    seeded = list(channel.poll(account))[-1].account
    assert set(seeded.searches) == {"#binday", '"missed collection"'}

    posted = [
        bluesky_emulator.post(f"user{i}.bsky.social", f"missed collection {i}") for i in range(5)
    ]
    bluesky_emulator.post("kim.bsky.social", "missed collection lol #satire")
    bluesky_emulator.post(BLUESKY_BRAND, "Sorry for the missed collection today")
    tagged = bluesky_emulator.post("dana.bsky.social", "no truck today #binday")
    read = list(channel.poll(seeded))
    heard = bluesky_uris(read)
    assert set(heard) == {*posted, tagged} and len(heard) == len(set(heard))
    calls = [c for c in observer.calls if c.endpoint == "app.bsky.feed.searchPosts"]
    assert len(calls) >= 2 + 4, "the phrase needed several pages of 2"
    kinds = {i.kind for b in read for i in b.ignored}
    assert EventKind.SELF_ECHO in kinds and EventKind.OTHER in kinds
    post = normalize(next(e for b in read for e in b.events))
    assert post.to_handle is None and post.native_id in heard

    again = list(channel.poll(read[-1].account))
    assert set(bluesky_uris(again)) <= set(heard), "only ties at the mark come back"
