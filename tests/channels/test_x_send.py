"""Replies and DMs on X go out for real and come back the way X sends them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from atdesk.channels.base import ChannelDeps, ReplyTarget
from atdesk.channels.costs import X_DEFAULT_PRICES, call_cost
from atdesk.channels.errors import InvalidRequest, NotPermitted, TransientServerError
from atdesk.channels.observer import Operation, RecordingObserver
from atdesk.channels.x.account import XAccount
from atdesk.channels.x.deeplinks import dm_deep_link
from atdesk.channels.x.normalize import NORMALIZERS
from atdesk.channels.x.provider import XChannel
from atdesk.domain.networks import Network
from atdesk.domain.posts import Author
from atdesk.emulators.faults import FaultKind
from atdesk.emulators.x import XEmulator
from tests.channels.conftest import BRAND


def test_a_reply_is_addressed_by_in_reply_to_and_comes_back_when_answered(
    x_emulator: XEmulator, x_account: XAccount, deps: ChannelDeps, observer: RecordingObserver
) -> None:
    asked = x_emulator.post("dana", f"@{BRAND} when is bulky waste pickup?")
    x = XChannel(deps, poll_dms=False)
    sent = x.send_reply(
        x_account, target=ReplyTarget(asked), text="Thursdays, see our calendar", ref="case-7"
    )
    (outbox,) = x_emulator.posts_by(BRAND)
    assert outbox["referenced_tweets"] == [{"type": "replied_to", "id": asked}]
    assert outbox["text"] == "@dana Thursdays, see our calendar"
    assert sent.post.key == ("x", outbox["id"]) and sent.post.inbound is False
    assert sent.post.in_reply_to == asked and sent.post.author.native_id == x_account.user_id
    (call,) = [c for c in observer.calls if c.operation is Operation.CREATE_POST]
    assert call.ref == "case-7" and call_cost(call, X_DEFAULT_PRICES) == Decimal("0.015")

    answer = x_emulator.post("dana", "thanks! and glass?", in_reply_to=sent.post.native_id)
    events = [e for b in x.poll(x_account) for e in b.events]
    posts = {p.native_id: p for p in (NORMALIZERS[e.source](e.payload) for e in events)}
    assert posts[answer].in_reply_to == sent.post.native_id
    assert posts[answer].to_handle == BRAND


def test_a_post_with_a_link_is_billed_as_one(
    x_emulator: XEmulator, x_account: XAccount, deps: ChannelDeps, observer: RecordingObserver
) -> None:
    asked = x_emulator.post("dana", f"@{BRAND} where do I report potholes?")
    XChannel(deps).send_reply(
        x_account, target=ReplyTarget(asked), text="Here: https://example.org/311"
    )
    (call,) = [c for c in observer.calls if c.method == "POST"]
    assert call.operation is Operation.CREATE_POST_WITH_LINK
    assert call_cost(call, X_DEFAULT_PRICES) == Decimal("0.20")


def test_replying_where_the_brand_was_not_summoned_is_refused(
    x_emulator: XEmulator, x_account: XAccount, deps: ChannelDeps
) -> None:
    unrelated = x_emulator.post("dana", "the city never fixes anything")
    with pytest.raises(NotPermitted, match="not been mentioned"):
        XChannel(deps).send_reply(x_account, target=ReplyTarget(unrelated), text="We do!")
    assert x_emulator.posts_by(BRAND) == []


def test_an_overlong_reply_is_refused_before_any_call(
    x_emulator: XEmulator, x_account: XAccount, deps: ChannelDeps
) -> None:
    asked = x_emulator.post("dana", f"@{BRAND} hi")
    with pytest.raises(InvalidRequest, match="281/280"):
        XChannel(deps).send_reply(x_account, target=ReplyTarget(asked), text="x" * 281)
    assert x_emulator.count("POST", "/2/tweets") == 0


def test_a_failed_create_is_not_repeated_blindly(
    x_emulator: XEmulator, x_account: XAccount, deps: ChannelDeps
) -> None:
    asked = x_emulator.post("dana", f"@{BRAND} hi")
    x_emulator.faults.add(FaultKind.SERVER_ERROR, path="/2/tweets", method="POST", status=503)
    with pytest.raises(TransientServerError):
        XChannel(deps).send_reply(x_account, target=ReplyTarget(asked), text="Hello Dana")
    assert x_emulator.count("POST", "/2/tweets") == 1


def test_a_dm_goes_to_the_customers_user_id_and_comes_back_as_the_brands_own(
    x_emulator: XEmulator, x_account: XAccount, deps: ChannelDeps, observer: RecordingObserver
) -> None:
    dana = x_emulator.add_user("dana")
    x = XChannel(deps)
    sent = x.send_dm(
        x_account, recipient=Author(Network.X, dana, "dana"), text="Can you DM the address?"
    )
    (outbox,) = x_emulator.dms_by(BRAND)
    assert outbox["id"] == sent.post.native_id and sent.post.direct
    assert sent.post.thread_key == outbox["dm_conversation_id"]
    batches = list(x.poll(x_account))
    assert [i.kind.value for b in batches for i in b.ignored] == ["self_echo"]
    assert any(c.operation is Operation.SEND_DM for c in observer.calls)


def test_a_private_target_is_answered_by_dm(
    x_emulator: XEmulator, x_account: XAccount, deps: ChannelDeps
) -> None:
    dana = x_emulator.add_user("dana")
    incoming = x_emulator.dm("dana", BRAND, "my bill is wrong")
    target = ReplyTarget(incoming, author=Author(Network.X, dana, "dana"), direct=True)
    XChannel(deps).send_reply(x_account, target=target, text="Let us check")
    assert [d["text"] for d in x_emulator.dms_by(BRAND)] == ["Let us check"]
    assert x_emulator.posts_by(BRAND) == []


def test_dm_deep_link() -> None:
    assert dm_deep_link("1200000000", "Hi, about my case") == (
        "https://x.com/messages/compose?recipient_id=1200000000&text=Hi%2C+about+my+case"
    )
    with pytest.raises(ValueError, match="numeric"):
        dm_deep_link("@cityworks")
