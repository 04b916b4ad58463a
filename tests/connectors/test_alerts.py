"""Channel health alerts: one open alert per account and kind, closed on recovery, and a
signed webhook event for each alert opened or closed, delivered by the durable job runner."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from atdesk.channels.observer import ApiCall, HealthKind, HealthNotice, Operation
from atdesk.config import Settings
from atdesk.connectors.alerts import ALERT_WEBHOOK_JOB
from atdesk.connectors.observer import BufferedObserver
from atdesk.connectors.settings import set_alert_webhook
from atdesk.domain.networks import Network
from atdesk.integrations.webhooks import SIGNATURE_HEADER, verify
from atdesk.jobs.queue import JobEnv, run_due_jobs
from atdesk.models import AutomationJob, ChannelAlert
from atdesk.models.base import utcnow
from atdesk.storage.session import transaction
from tests.connectors.conftest import BRAND

SECRET = "alert-signing-secret-0123"


class Receiver:
    """A subscriber on a real socket that keeps every POST."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/alerts"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    made = Receiver()
    yield made
    made.server.shutdown()
    made.server.server_close()


def notice(kind: HealthKind, message: str = "refused") -> HealthNotice:
    return HealthNotice(Network.X, BRAND, kind, message, utcnow())


def ok_call() -> ApiCall:
    return ApiCall(Network.X, BRAND, Operation.READ_POST, "GET", "GET /2/x", 200, utcnow())


def write(settings: Settings, *reports: Any, source: str = "poll") -> None:
    observer = BufferedObserver(source)
    for report in reports:
        if isinstance(report, ApiCall):
            observer.on_api_call(report)
        else:
            observer.on_health(report)
    with transaction(settings.database_url) as session:
        observer.write(session, channel_account_id=None)


def all_alerts(settings: Settings) -> list[ChannelAlert]:
    with transaction(settings.database_url) as session:
        return list(session.scalars(select(ChannelAlert).order_by(ChannelAlert.id)))


def test_repeated_notices_keep_one_open_alert_and_success_closes_it(settings: Settings) -> None:
    write(settings, notice(HealthKind.AUTH_EXPIRED), notice(HealthKind.AUTH_EXPIRED, "again"))
    (alert,) = all_alerts(settings)
    assert alert.count == 2 and alert.closed_at is None and alert.message.startswith("again")
    write(settings, ok_call())
    (alert,) = all_alerts(settings)
    assert alert.closed_at is not None and alert.closed_reason == "calls succeed again"
    write(settings, notice(HealthKind.AUTH_EXPIRED))
    assert [a.closed_at is None for a in all_alerts(settings)] == [False, True]


def test_a_recovery_closes_only_what_its_reader_raised(settings: Settings) -> None:
    write(settings, notice(HealthKind.STREAM_FAILING), source="stream")
    write(settings, notice(HealthKind.BUDGET_THROTTLED), source="poll")
    write(settings, notice(HealthKind.RECOVERED, "polling back at its normal pace"), source="poll")
    still_open = {a.kind for a in all_alerts(settings) if a.closed_at is None}
    assert still_open == {"stream_failing"}
    write(settings, notice(HealthKind.RECOVERED, "stream reconnected"), source="stream")
    assert all(a.closed_at is not None for a in all_alerts(settings))


def test_alerts_opened_and_closed_are_signed_webhook_events(
    settings: Settings, receiver: Receiver
) -> None:
    with transaction(settings.database_url) as session:
        set_alert_webhook(session, receiver.url, SECRET)
    write(settings, notice(HealthKind.AUTH_REVOKED, "X refused the token"))
    write(settings, notice(HealthKind.AUTH_REVOKED))  # a repeat is not a new event
    write(settings, ok_call())
    with transaction(settings.database_url) as session:
        kinds = session.scalars(select(AutomationJob.kind)).all()
        assert kinds == [ALERT_WEBHOOK_JOB, ALERT_WEBHOOK_JOB]
    with httpx.Client(timeout=5.0) as http:
        assert run_due_jobs(JobEnv(settings=settings, http=http)) == 2
    assert len(receiver.received) == 2
    events = []
    for headers, body in receiver.received:
        verify(body, headers[SIGNATURE_HEADER.lower()], SECRET, now=utcnow())
        events.append(json.loads(body))
    assert [e["type"] for e in events] == ["channel.alert.opened", "channel.alert.closed"]
    assert events[0]["data"]["kind"] == "auth_revoked" and events[0]["data"]["account"] == BRAND
    assert "X refused the token" in events[0]["data"]["message"]
    assert events[1]["data"]["closed_reason"] == "calls succeed again"
    with transaction(settings.database_url) as session:
        assert {j.status for j in session.scalars(select(AutomationJob))} == {"done"}


def test_without_a_subscriber_no_event_is_queued(settings: Settings) -> None:
    write(settings, notice(HealthKind.RATE_LIMITED))
    with transaction(settings.database_url) as session:
        assert session.scalars(select(AutomationJob)).all() == []
