"""Deliveries waiting for the group commit hold no thread of the pool the pages and the API
run in (ADR 106): with more deliveries waiting than the pool has threads, a page still
answers, and every delivery answers once its events are stored; the wait also works alone."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass

import httpx
import pytest

from atdesk.config import Settings
from atdesk.connectors.intake import Intake, NotCommitted
from atdesk.models import BusMessage
from atdesk.web.app import create_app
from tests.channels.payloads import load
from tests.connectors.conftest import count
from tests.connectors.test_intake import GatedBus, _account, _event
from tests.connectors.test_x_webhook_route import signed
from tests.web.server import serving

DELIVERIES = 48  # more than the 40 threads of anyio's default pool, which sync routes use


@dataclass
class Answer:
    status: int = 0


def _deliver(url: str, tweet_id: int, answer: Answer) -> None:
    payload = load("x_aa_tweet_create.json")
    tweet = payload["tweet_create_events"][0]
    tweet.update(id=tweet_id, id_str=str(tweet_id))
    payload["tweet_create_events"] = [tweet]
    body = json.dumps(payload).encode()
    answer.status = httpx.post(
        f"{url}/webhooks/x", content=body, headers=signed(body), timeout=60
    ).status_code


def test_a_page_answers_while_more_deliveries_wait_than_the_pool_has_threads(
    app_settings: Settings,
) -> None:
    _account(app_settings)
    app = create_app(app_settings)
    bus = GatedBus(app_settings.database_url)
    intake = Intake(app_settings.database_url, bus, busy_after_s=120)
    app.state.connector_bus, app.state.x_intake = bus, intake
    with serving(app) as url:
        first = Answer()
        first_sender = threading.Thread(target=_deliver, args=(url, 1899000000000010000, first))
        first_sender.start()
        assert bus.entered.wait(30), "the writer holds the first delivery"
        answers = [Answer() for _ in range(DELIVERIES)]
        senders = [
            threading.Thread(target=_deliver, args=(url, 1899000000000010001 + n, answer))
            for n, answer in enumerate(answers)
        ]
        try:
            for sender in senders:
                sender.start()
            deadline = time.monotonic() + 60
            while intake.queued_events < DELIVERIES and time.monotonic() < deadline:
                time.sleep(0.05)
            assert intake.queued_events == DELIVERIES, "every delivery waits for the commit"
            page = httpx.get(f"{url}/healthz", timeout=20)
            assert page.status_code == 200
            assert not any(a.status for a in [first, *answers]), "none was stored yet"
        finally:
            bus.gate.set()
            for sender in [first_sender, *senders]:
                sender.join(60)
    assert {a.status for a in [first, *answers]} == {200}
    assert count(app_settings, BusMessage) == DELIVERIES + 1


def test_the_wait_on_the_event_loop_ends_with_the_commit_or_says_why_not(
    app_settings: Settings,
) -> None:
    account_id = _account(app_settings)
    bus = GatedBus(app_settings.database_url)
    intake = Intake(app_settings.database_url, bus)

    async def wait_for(native_id: str, wait_s: float) -> None:
        queued = intake.queue(account_id, [_event(native_id)], [])
        await queued.committed(wait_s)

    with pytest.raises(NotCommitted, match="not stored within"):
        asyncio.run(wait_for("1", 0.2))  # the writer is held at the gate
    bus.gate.set()
    asyncio.run(wait_for("2", 30))
    assert count(app_settings, BusMessage) == 2

    broken = Intake("sqlite:////nonexistent/dir/atdesk.db", bus)
    with pytest.raises(NotCommitted, match="could not be stored"):
        asyncio.run(_wait_broken(broken, account_id))


async def _wait_broken(intake: Intake, account_id: int) -> None:
    await intake.queue(account_id, [_event("3")], []).committed(30)
