"""Account Activity: CRC, signatures, and a live webhook receiving from the emulator."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from atdesk.channels.base import ChannelDeps
from atdesk.channels.errors import WebhookRejected
from atdesk.channels.observer import HealthKind, RecordingObserver
from atdesk.channels.x.account import XAccount
from atdesk.channels.x.normalize import NORMALIZERS
from atdesk.channels.x.provider import XChannel
from atdesk.channels.x.webhooks import (
    SignatureRejected,
    crc_response,
    read_delivery,
    signature_of,
    verify_signature,
)
from atdesk.domain.posts import Post
from atdesk.emulators.faults import FaultKind
from atdesk.emulators.x import WEBHOOK_DELIVERY, XEmulator
from tests.channels.conftest import BRAND
from tests.channels.payloads import raw

SECRET = "test-consumer-secret"
VECTOR_BODY = b'{"for_user_id":"2244994945","tweet_create_events":[]}'


def test_crc_answer_matches_the_test_vector() -> None:
    assert crc_response(SECRET, "9b3f1c2e-crc") == {
        "response_token": "sha256=zPv35Vk1qTocaEuQwY7HBDMsE4BJv2kS2//J8jtxErE="
    }


def test_signature_matches_the_test_vector() -> None:
    expected = "sha256=ZDeJuJXkQK97/vxoaM61RQVVMBhiS+LjbtVJsV7PhW4="
    assert signature_of(SECRET, VECTOR_BODY) == expected
    assert verify_signature(SECRET, VECTOR_BODY, expected)


@pytest.mark.parametrize(
    ("body", "header"),
    [
        (VECTOR_BODY, "sha256=ZDeJuJXkQK97/vxoaM61RQVVMBhiS+LjbtVJsV7PhW4"),
        (VECTOR_BODY + b" ", "sha256=ZDeJuJXkQK97/vxoaM61RQVVMBhiS+LjbtVJsV7PhW4="),
        (VECTOR_BODY, "sha256=" + "A" * 43 + "="),
        (VECTOR_BODY, "ZDeJuJXkQK97/vxoaM61RQVVMBhiS+LjbtVJsV7PhW4="),
        (VECTOR_BODY, "sha256=zé"),
        (VECTOR_BODY, ""),
        (VECTOR_BODY, None),
    ],
)
def test_anything_but_the_exact_signature_is_refused(body: bytes, header: str | None) -> None:
    assert not verify_signature(SECRET, body, header)


def test_a_missing_signature_is_401_and_a_wrong_one_403() -> None:
    body = raw("x_aa_tweet_create.json")
    with pytest.raises(SignatureRejected) as missing:
        read_delivery(SECRET, body, None)
    assert missing.value.status == 401
    with pytest.raises(SignatureRejected) as wrong:
        read_delivery(SECRET, body, signature_of("another-secret", body))
    assert wrong.value.status == 403
    batch = read_delivery(SECRET, body, signature_of(SECRET, body))
    assert len(batch.events) == 2


def test_replaying_the_same_body_yields_the_same_keys_so_one_post_is_stored() -> None:
    body = raw("x_aa_tweet_create.json")
    signature = signature_of(SECRET, body)
    stored: dict[tuple[str, str], object] = {}
    for _ in range(2):
        for event in read_delivery(SECRET, body, signature).events:
            post = NORMALIZERS[event.source](event.payload)
            stored.setdefault(post.key, post)
    assert list(stored) == [("x", "1899000000000000101"), ("x", "1899000000000000210")]


def test_a_signed_body_that_is_not_json_is_a_400() -> None:
    body = b"not json"
    with pytest.raises(WebhookRejected) as bad:
        read_delivery(SECRET, body, signature_of(SECRET, body))
    assert bad.value.status == 400


class Receiver:
    """A stand-in for the web route: CRC on GET, verify and store on POST, keyed like storage."""

    def __init__(self, channel: XChannel, account: XAccount) -> None:
        self.channel, self.account = channel, account
        self.posts: dict[tuple[str, str], Post] = {}
        self.statuses: list[int] = []
        self.secret = account.consumer_secret or ""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                token = parse_qs(urlsplit(self.path).query).get("crc_token", [""])[0]
                self._answer(200, crc_response(receiver.secret, token))

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                try:
                    batch = receiver.channel.parse_webhook(
                        receiver.account, body, dict(self.headers)
                    )
                except WebhookRejected as exc:
                    receiver.statuses.append(exc.status or 400)
                    self._answer(exc.status or 400, {"error": str(exc)})
                    return
                for event in batch.events:
                    post = NORMALIZERS[event.source](event.payload)
                    receiver.posts[post.key] = post
                receiver.statuses.append(200)
                self._answer(200, {})

            def _answer(self, status: int, body: object) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhooks/x"
        serve = self.server.serve_forever
        threading.Thread(target=serve, kwargs={"poll_interval": 0.05}, daemon=True).start()


@pytest.fixture
def receiver(x_account: XAccount, deps: ChannelDeps) -> Iterator[Receiver]:
    made = Receiver(XChannel(deps), x_account)
    yield made
    made.server.shutdown()
    made.server.server_close()


def registered(channel: XChannel, receiver: Receiver) -> XAccount:
    account = channel.register_webhook(receiver.account, receiver.url)
    receiver.account = account
    return account


def test_deliveries_are_verified_stored_once_and_noise_dropped(
    x_emulator: XEmulator, receiver: Receiver, deps: ChannelDeps
) -> None:
    channel = XChannel(deps)
    account = registered(channel, receiver)
    assert account.webhook_id in x_emulator.webhooks
    own = x_emulator.post(BRAND, "Crews are out after the storm, thanks for your patience")
    x_emulator.faults.add(FaultKind.DUPLICATE, path=WEBHOOK_DELIVERY)
    mention = x_emulator.post("dana", f"@{BRAND} tree down on Main St")
    x_emulator.like("bob", own)
    x_emulator.follow("bob", BRAND)
    dm = x_emulator.dm("dana", BRAND, "my number is 555-0100")
    x_emulator.flush_deliveries()
    assert all(d.status == 200 for d in x_emulator.deliveries)
    assert len(x_emulator.deliveries) == 6  # own post, the mention twice, a like, a follow, a DM
    assert set(receiver.posts) == {("x", mention), ("x", dm)}
    assert receiver.posts[("x", dm)].direct


def test_a_forged_delivery_is_refused_and_stores_nothing(
    x_emulator: XEmulator, receiver: Receiver, deps: ChannelDeps
) -> None:
    registered(XChannel(deps), receiver)
    forged = XEmulator(consumer_secret="not-the-real-secret")
    forged.add_user(BRAND, user_id=receiver.account.user_id)
    body = raw("x_aa_tweet_create.json").replace(b"1200000000", receiver.account.user_id.encode())
    forged.deliverer.send(receiver.url, body)
    forged.flush_deliveries()
    assert forged.deliveries[0].status == 403
    assert receiver.posts == {}


def test_an_invalid_webhook_alerts_and_is_revalidated(
    x_emulator: XEmulator, receiver: Receiver, deps: ChannelDeps, observer: RecordingObserver
) -> None:
    channel = XChannel(deps)
    account = registered(channel, receiver)
    assert channel.check_webhook(account)
    x_emulator.invalidate_webhook(account.webhook_id or "")
    x_emulator.post("dana", f"@{BRAND} lost while invalid")
    x_emulator.flush_deliveries()
    assert receiver.posts == {}
    assert channel.check_webhook(account)
    assert observer.kinds() == [HealthKind.WEBHOOK_INVALID, HealthKind.RECOVERED]
    receiver.secret = "rotated-and-wrong"
    x_emulator.invalidate_webhook(account.webhook_id or "")
    assert not channel.check_webhook(account)
    assert observer.kinds()[-1] is HealthKind.WEBHOOK_INVALID


def test_a_delivery_for_another_account_is_refused(x_account: XAccount, deps: ChannelDeps) -> None:
    body = raw("x_aa_tweet_create.json")
    headers = {"X-Twitter-Webhooks-Signature": signature_of(x_account.consumer_secret or "", body)}
    with pytest.raises(WebhookRejected) as refused:
        XChannel(deps).parse_webhook(x_account, body, headers)
    assert refused.value.status == 400
