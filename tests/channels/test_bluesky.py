"""Bluesky: sessions, notifications by cursor, replies with refs and facets, chat DMs."""

from __future__ import annotations

import httpx
import pytest

from atdesk.channels.base import ChannelDeps, EventKind, ReadBatch, ReplyTarget
from atdesk.channels.bluesky.account import BlueskyAccount
from atdesk.channels.bluesky.facets import build_facets, facet_text
from atdesk.channels.bluesky.normalize import NORMALIZERS, classify_notification
from atdesk.channels.bluesky.polling import BlueskyPollConfig
from atdesk.channels.bluesky.provider import BlueskyChannel
from atdesk.channels.errors import AuthRevoked, InvalidRequest, TransientServerError
from atdesk.channels.observer import HealthKind, RecordingObserver
from atdesk.domain.networks import Network
from atdesk.domain.posts import Author, Post
from atdesk.emulators.bluesky import BlueskyEmulator
from atdesk.emulators.faults import FaultKind
from tests.channels.conftest import BLUESKY_BRAND, RecordingClock
from tests.channels.payloads import load

DANA = "did:plc:dana0000000000000000000"
LIST = "/xrpc/app.bsky.notification.listNotifications"


def resolve(handle: str) -> str | None:
    return DANA if handle == "dana.bsky.social" else None


def posts_of(batches: list[ReadBatch[BlueskyAccount]]) -> dict[str, Post]:
    found = [NORMALIZERS[e.source](e.payload) for b in batches for e in b.events]
    return {p.native_id: p for p in found}


def test_mention_facets_use_utf8_byte_offsets() -> None:
    text = "¡Hola @dana.bsky.social! Abrimos el caso SR-0042."
    (facet,) = build_facets(text, resolve)
    assert facet == {
        "index": {"byteStart": 7, "byteEnd": 24},
        "features": [{"$type": "app.bsky.richtext.facet#mention", "did": DANA}],
    }
    assert facet_text(text, facet) == "@dana.bsky.social"


def test_links_tags_and_astral_characters_are_located_in_bytes() -> None:
    text = "🚧 obras @dana.bsky.social: https://city.example/obras. #calles @nadie.example"
    facets = build_facets(text, resolve)
    assert [facet_text(text, f) for f in facets] == [
        "@dana.bsky.social",
        "https://city.example/obras",
        "#calles",
    ]
    assert facets[0]["index"]["byteStart"] == len("🚧 obras ".encode())
    assert facets[1]["features"][0]["uri"] == "https://city.example/obras"
    assert facets[2]["features"][0] == {"$type": "app.bsky.richtext.facet#tag", "tag": "calles"}


def test_recorded_notifications_normalise() -> None:
    body = load("bluesky_notifications.json")
    reply, like, mention = body["notifications"]
    brand = {"did": "did:plc:cityworks000000000000000", "handle": "cityworks.bsky.social"}
    assert classify_notification(like, brand["did"]) is EventKind.LIKE
    post = NORMALIZERS["bluesky.notification"]({"notification": reply, "brand": brand})
    assert post.native_id == reply["uri"] and post.author.native_id == DANA
    assert (
        post.in_reply_to == "at://did:plc:cityworks000000000000000/app.bsky.feed.post/3lbrand000dd"
    )
    assert post.to_handle == "cityworks.bsky.social" and post.text == "still waiting 😩 any update?"
    first = NORMALIZERS["bluesky.notification"]({"notification": mention, "brand": brand})
    assert first.to_handle == "cityworks.bsky.social" and first.lang == "es"
    assert first.media == (
        f"https://cdn.bsky.app/img/feed_fullsize/plain/{DANA}/bafkreiimage@jpeg",
    )


def test_polling_logs_in_reads_mentions_replies_and_quotes_and_skips_noise(
    bluesky_emulator: BlueskyEmulator, bluesky_account: BlueskyAccount, deps: ChannelDeps
) -> None:
    channel = BlueskyChannel(deps)
    first = list(channel.poll(bluesky_account))
    account = first[-1].account
    assert account.did and account.access_jwt and account.refresh_jwt
    brand_post = bluesky_emulator.post(BLUESKY_BRAND, "Street cleaning this week")
    mention = bluesky_emulator.post("dana.bsky.social", f"@{BLUESKY_BRAND} lamp out on Elm")
    reply = bluesky_emulator.post("ori.bsky.social", "what about Oak St?", reply_to=brand_post)
    quote = bluesky_emulator.post("ana.bsky.social", "they never come", quote=brand_post)
    bluesky_emulator.like("bob.bsky.social", brand_post)
    bluesky_emulator.repost("bob.bsky.social", brand_post)
    bluesky_emulator.follow("bob.bsky.social", BLUESKY_BRAND)
    posts = posts_of(list(channel.poll(account)))
    assert set(posts) == {mention, reply, quote}
    assert posts[reply].in_reply_to == brand_post
    assert all(p.to_handle == BLUESKY_BRAND for p in (posts[mention], posts[reply], posts[quote]))


def test_a_pass_pages_back_and_resumes_without_loss(
    bluesky_emulator: BlueskyEmulator, bluesky_account: BlueskyAccount, deps: ChannelDeps
) -> None:
    channel = BlueskyChannel(deps, poll_config=BlueskyPollConfig(page_size=2, read_chat=False))
    account = list(channel.poll(bluesky_account))[-1].account
    uris = [
        bluesky_emulator.post(f"c{i}.bsky.social", f"@{BLUESKY_BRAND} issue {i}") for i in range(5)
    ]
    reader = channel.poll(account)
    first = next(reader)
    assert len(first.events) == 2 and first.account.notifications.in_progress
    assert first.account.notifications.high_water == account.notifications.high_water
    bluesky_emulator.faults.add(FaultKind.SERVER_ERROR, path=LIST, times=0)
    with pytest.raises(TransientServerError):
        next(reader)
    bluesky_emulator.faults.clear()
    rest = list(channel.poll(first.account))
    assert set(posts_of([first, *rest])) == set(uris)
    assert rest[-1].complete and not rest[-1].account.notifications.in_progress
    mark = rest[-1].account.notifications.high_water
    later = bluesky_emulator.post("z.bsky.social", f"@{BLUESKY_BRAND} one more")
    again = [e.payload["notification"] for b in channel.poll(rest[-1].account) for e in b.events]
    # Only `later` is new; notifications indexed at the very mark are read again (ties).
    assert later in {n["uri"] for n in again}
    assert all(n["indexedAt"] == mark for n in again if n["uri"] != later)


def test_expired_sessions_refresh_and_dead_ones_log_in_again(
    bluesky_emulator: BlueskyEmulator, bluesky_account: BlueskyAccount, deps: ChannelDeps
) -> None:
    channel = BlueskyChannel(deps)
    account = list(channel.poll(bluesky_account))[-1].account
    bluesky_emulator.expire_sessions(BLUESKY_BRAND)
    refreshed = list(channel.poll(account))[-1].account
    assert refreshed.access_jwt != account.access_jwt
    assert refreshed.refresh_jwt != account.refresh_jwt
    bluesky_emulator.end_sessions(BLUESKY_BRAND)
    relogged = list(channel.poll(refreshed))[-1].account
    assert relogged.access_jwt not in {refreshed.access_jwt, account.access_jwt}
    assert bluesky_emulator.count("POST", "/xrpc/com.atproto.server.createSession") == 2


def test_a_revoked_app_password_alerts(
    bluesky_emulator: BlueskyEmulator,
    bluesky_account: BlueskyAccount,
    deps: ChannelDeps,
    observer: RecordingObserver,
) -> None:
    channel = BlueskyChannel(deps)
    account = list(channel.poll(bluesky_account))[-1].account
    bluesky_emulator.revoke_app_password(BLUESKY_BRAND)
    with pytest.raises(AuthRevoked):
        list(channel.poll(account))
    assert observer.kinds() == [HealthKind.AUTH_REVOKED]


def test_a_reply_carries_root_parent_and_a_mention_facet(
    bluesky_emulator: BlueskyEmulator, bluesky_account: BlueskyAccount, deps: ChannelDeps
) -> None:
    root = bluesky_emulator.post("dana.bsky.social", f"@{BLUESKY_BRAND} bins not collected")
    follow_up = bluesky_emulator.post("dana.bsky.social", "still nothing today", reply_to=root)
    channel = BlueskyChannel(deps)
    text = "¡Hola @dana.bsky.social! Abrimos el caso SR-0042."
    sent = channel.send_reply(bluesky_account, target=ReplyTarget(follow_up), text=text, ref="c9")
    (out,) = bluesky_emulator.posts_by(BLUESKY_BRAND)
    record = out["record"]
    assert record["reply"]["parent"] == {
        "uri": follow_up,
        "cid": bluesky_emulator.records[follow_up]["cid"],
    }
    assert record["reply"]["root"] == {"uri": root, "cid": bluesky_emulator.records[root]["cid"]}
    dana = bluesky_emulator.find_did("dana.bsky.social")
    assert record["facets"] == [
        {
            "index": {"byteStart": 7, "byteEnd": 24},
            "features": [{"$type": "app.bsky.richtext.facet#mention", "did": dana}],
        }
    ]
    assert sent.post.native_id == out["uri"] and sent.post.inbound is False
    assert sent.account.did and sent.account.access_jwt
    reasons = [n["reason"] for n in bluesky_emulator.notifications[dana or ""]]
    assert reasons == ["reply"]


def test_an_overlong_post_is_refused_before_sending(
    bluesky_emulator: BlueskyEmulator, bluesky_account: BlueskyAccount, deps: ChannelDeps
) -> None:
    root = bluesky_emulator.post("dana.bsky.social", f"@{BLUESKY_BRAND} hi")
    with pytest.raises(InvalidRequest, match="301/300"):
        BlueskyChannel(deps).send_reply(bluesky_account, target=ReplyTarget(root), text="é" * 301)
    assert bluesky_emulator.count("POST", "/xrpc/com.atproto.repo.createRecord") == 0


def test_chat_messages_are_read_and_answered_through_the_proxy(
    bluesky_emulator: BlueskyEmulator, bluesky_account: BlueskyAccount, deps: ChannelDeps
) -> None:
    channel = BlueskyChannel(deps)
    account = list(channel.poll(bluesky_account))[-1].account
    incoming = bluesky_emulator.message("dana.bsky.social", BLUESKY_BRAND, "my case is SR-0042")
    batches = list(channel.poll(account))
    post = posts_of(batches)[incoming]
    assert post.direct and post.author.handle == "dana.bsky.social" and post.thread_key
    sent = channel.send_dm(batches[-1].account, recipient=post.author, text="On it, Dana")
    assert sent.post.thread_key == post.thread_key
    assert [m["text"] for m in bluesky_emulator.messages_by(BLUESKY_BRAND)] == ["On it, Dana"]
    again = list(channel.poll(batches[-1].account))
    assert [i.kind for b in again for i in b.ignored] == [EventKind.SELF_ECHO]
    reply = channel.send_reply(
        again[-1].account, target=ReplyTarget.of(post), text="Fixed tomorrow"
    )
    assert reply.post.direct
    by_handle = Author(Network.BLUESKY, "dana.bsky.social", "dana.bsky.social")
    assert channel.send_dm(again[-1].account, recipient=by_handle, text="Bye").post.direct


def test_chat_without_the_proxy_header_is_refused(
    bluesky_emulator: BlueskyEmulator, bluesky_account: BlueskyAccount, deps: ChannelDeps
) -> None:
    account = BlueskyChannel(deps).login(bluesky_account)
    answer = httpx.get(
        f"{bluesky_emulator.base_url}/xrpc/chat.bsky.convo.getLog",
        headers={"authorization": f"Bearer {account.access_jwt}"},
    )
    assert answer.status_code == 400 and "atproto-proxy" in answer.json()["message"]


def test_a_429_waits_for_the_epoch_reset(
    bluesky_emulator: BlueskyEmulator, bluesky_account: BlueskyAccount, observer: RecordingObserver
) -> None:
    clock = RecordingClock()
    deps = ChannelDeps(observer=observer, clock=clock, timeout=2.0)
    account = BlueskyChannel(deps).login(bluesky_account)
    bluesky_emulator.faults.add(FaultKind.RATE_LIMIT, path=LIST, reset_in=20)
    with pytest.raises(Exception, match="RateLimitExceeded"):
        list(BlueskyChannel(deps).poll(account))
    assert len(clock.sleeps) == 2 and 19 <= clock.sleeps[0] <= 22
    assert HealthKind.RATE_LIMITED in observer.kinds()
