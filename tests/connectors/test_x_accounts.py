"""The webhook's directory of X accounts and secrets is kept between deliveries, yet a new
account or a new stored secret is taken at once, and a change is seen within a second."""

from __future__ import annotations

import json
from dataclasses import replace

from fastapi.testclient import TestClient
from sqlalchemy import update

from atdesk.channels.x.webhooks import SIGNATURE_HEADER, signature_of
from atdesk.config import Settings
from atdesk.connectors.x_accounts import FRESH_S, XAccounts
from atdesk.domain.networks import Network
from atdesk.models import BusMessage, ChannelAccount
from atdesk.storage.session import transaction
from atdesk.web.app import create_app
from tests.channels.payloads import load
from tests.clocks import SecondsClock
from tests.connectors.conftest import BRAND, BRAND_USER_ID, SECRET, add_brand_account, count
from tests.connectors.test_x_webhook_route import signed


def test_the_directory_is_read_once_a_second(app_settings: Settings) -> None:
    first = add_brand_account(app_settings, Network.X, BRAND, BRAND_USER_ID)
    clock = SecondsClock()
    accounts = XAccounts(app_settings, clock=clock)
    known = accounts.current()
    assert known.secrets == (SECRET,) and known.accounts[BRAND_USER_ID].id == first
    with transaction(app_settings.database_url) as session:
        session.execute(
            update(ChannelAccount).where(ChannelAccount.id == first).values(handle="renamed")
        )
    clock.now += FRESH_S - 0.01
    assert accounts.current() is known, "no read within the second"
    clock.now += 0.01
    assert accounts.current().accounts[BRAND_USER_ID].handle == "renamed"


def test_an_account_and_a_secret_added_after_the_read_are_taken_at_once(
    app_settings: Settings,
) -> None:
    add_brand_account(app_settings, Network.X, BRAND, BRAND_USER_ID)
    client = TestClient(create_app(app_settings))
    payload = load("x_aa_tweet_create.json")
    body = json.dumps(payload).encode()
    assert client.post("/webhooks/x", content=body, headers=signed(body)).status_code == 200
    before = count(app_settings, BusMessage)
    assert before >= 1

    # A second brand account, and an app secret stored with it (no ATDESK_X_CONSUMER_SECRET
    # for it), both added after the directory was read.
    other_secret = "second-app-consumer-secret"
    add_brand_account(
        app_settings, Network.X, "otherbrand", "4242", brand="Other", state=_State(other_secret)
    )
    payload = json.loads(json.dumps(payload).replace(BRAND_USER_ID, "4242"))
    payload["for_user_id"] = "4242"
    payload["tweet_create_events"][0]["id_str"] = "1899000000000000999"
    body = json.dumps(payload).encode()
    headers = {**signed(body), SIGNATURE_HEADER: signature_of(other_secret, body)}
    answer = client.post("/webhooks/x", content=body, headers=headers)
    assert answer.status_code == 200 and answer.json()["events"] >= 1, answer.json()
    after = count(app_settings, BusMessage)
    assert after > before

    forged = {**headers, SIGNATURE_HEADER: signature_of("not-ours", body)}
    assert client.post("/webhooks/x", content=body, headers=forged).status_code == 403
    assert count(app_settings, BusMessage) == after


class _State:
    """An account's stored state holding its app's consumer secret."""

    def __init__(self, secret: str) -> None:
        self.secret = secret

    def to_json(self) -> dict[str, str]:
        return {"consumer_secret": self.secret}


def test_without_any_secret_every_delivery_is_refused(settings: Settings) -> None:
    add_brand_account(settings, Network.X, BRAND, BRAND_USER_ID)
    client = TestClient(create_app(replace(settings, x_consumer_secret=None)))
    body = json.dumps(load("x_aa_tweet_create.json")).encode()
    assert client.post("/webhooks/x", content=body, headers=signed(body)).status_code == 403
