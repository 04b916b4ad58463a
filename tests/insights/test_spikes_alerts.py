"""Spike alerts on the live path: the periodic check raises an alert once per spike, keeps it
current, closes it when volume is back to the norm and sends a signed webhook each time; the
REST API, the alerts page and the inbox banner show it only to the brand's people."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar

import httpx
import pytest
from sqlalchemy import select

from atdesk.insights.spikes.service import WEBHOOK_JOB
from atdesk.insights.spikes.settings import spike_settings
from atdesk.insights.spikes.tasks import check_spikes, run_spike_webhook
from atdesk.integrations.webhooks.signing import SIGNATURE_HEADER, verify
from atdesk.jobs import queue as jobs
from atdesk.models import AutomationJob, Brand, SpikeAlert
from atdesk.storage.session import transaction
from tests.insights.spike_world import BURST_AT, store_stream, stream
from tests.web.conftest import Workspace, workspace  # noqa: F401 (fixture)

SECRET = "spike-secret-0123456789"


class _Receiver(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        return


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    """A real HTTP server on a local port that records what it receives."""
    _Receiver.received = []
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/hooks", _Receiver.received
    finally:
        server.shutdown()
        server.server_close()


def _send_webhooks(workspace: Workspace, now: Any) -> int:  # noqa: F811
    """Run the queued spike webhook jobs once, as the worker's job runner would."""
    with httpx.Client(timeout=5) as http:
        env = jobs.JobEnv(settings=workspace.settings, http=http, now=lambda: now)
        sent = 0
        for view in jobs.lease_due(workspace.settings.database_url, limit=10, now=now):
            assert view.kind == WEBHOOK_JOB
            outcome = run_spike_webhook(view, env)
            jobs.record_outcome(workspace.settings.database_url, view, outcome, now=now)
            sent += 1
        return sent


def test_an_outage_raises_one_alert_and_a_signed_webhook_then_closes(
    workspace: Workspace,  # noqa: F811
    receiver: tuple[str, list[tuple[dict[str, str], bytes]]],
) -> None:
    url, received = receiver
    root = workspace.login("root")
    with transaction(workspace.settings.database_url) as session:
        acme = session.scalars(select(Brand).where(Brand.name == "Acme")).one()
        acme_id = acme.id
    saved = root.put(
        f"/api/v1/alerts/settings/{acme_id}",
        json={"webhook_url": url, "webhook_secret": SECRET, "min_severity": "medium"},
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["webhook_secret_set"] is True
    store_stream(workspace.settings, stream())

    db = workspace.settings.database_url
    first = check_spikes(db, now=BURST_AT + timedelta(minutes=30))
    again = check_spikes(db, now=BURST_AT + timedelta(minutes=40))
    assert (first.opened, again.opened) == (1, 0)
    with transaction(db) as session:
        (alert,) = session.scalars(select(SpikeAlert)).all()
        assert alert.brand_id == acme_id
        assert alert.status == "open"
        assert alert.severity in ("medium", "high", "critical")
        assert abs(alert.started_at - BURST_AT) <= timedelta(minutes=10)
        assert alert.detected_at <= BURST_AT + timedelta(minutes=15)
        assert "5.2" in " ".join(alert.terms)
    assert _send_webhooks(workspace, BURST_AT + timedelta(minutes=41)) == 1
    (headers, body) = received[0]
    verify(body, headers[SIGNATURE_HEADER], SECRET, now=BURST_AT + timedelta(minutes=41))
    event = json.loads(body)
    assert event["type"] == "spike.alert.opened"
    assert event["data"]["brand"] == "Acme"

    later = check_spikes(db, now=BURST_AT + timedelta(hours=5))
    assert (later.opened, later.closed) == (0, 1)
    with transaction(db) as session:
        (alert,) = session.scalars(select(SpikeAlert)).all()
        assert alert.status == "closed"
        assert 110 <= alert.posts <= 150
        assert alert.ended_at <= BURST_AT + timedelta(hours=3)
    assert _send_webhooks(workspace, BURST_AT + timedelta(hours=5)) == 1
    assert json.loads(received[1][1])["type"] == "spike.alert.closed"
    assert check_spikes(db, now=BURST_AT + timedelta(hours=5, minutes=2)).opened == 0
    with transaction(db) as session:
        jobs_sent = session.scalars(select(AutomationJob.kind)).all()
    assert jobs_sent == [WEBHOOK_JOB, WEBHOOK_JOB]


def test_alerts_show_to_the_brands_people_only(workspace: Workspace) -> None:  # noqa: F811
    store_stream(workspace.settings, stream(seed=5))
    check_spikes(workspace.settings.database_url, now=BURST_AT + timedelta(minutes=45))
    ana, olga = workspace.login("ana"), workspace.login("olga")

    listed = ana.get("/api/v1/alerts").json()
    assert listed["total"] == 1
    item = listed["items"][0]
    assert (item["brand"], item["status"]) == ("Acme", "open")
    assert olga.get("/api/v1/alerts").json()["total"] == 0
    assert olga.get(f"/api/v1/alerts/{item['id']}").status_code == 404
    assert olga.post(f"/api/v1/alerts/{item['id']}/acknowledge").status_code == 404

    inbox = ana.get("/").text
    assert 'data-testid="spike-banner"' in inbox
    assert item["label"].split(" · ")[0] in inbox
    assert 'data-testid="spike-banner"' not in olga.get("/").text
    page = ana.get("/insights/alerts").text
    assert f'data-alert-id="{item["id"]}"' in page
    assert f'data-alert-id="{item["id"]}"' not in olga.get("/insights/alerts").text
    assert f'data-alert-id="{item["id"]}"' in ana.get("/insights").text
    assert f'data-alert-id="{item["id"]}"' not in olga.get("/insights").text

    done = ana.post(f"/api/v1/alerts/{item['id']}/acknowledge")
    assert done.status_code == 200
    assert done.json()["acknowledged_by"] == "ana"
    assert ana.post(f"/api/v1/alerts/{item['id']}/acknowledge").status_code == 409
    assert 'data-testid="spike-banner"' not in ana.get("/").text

    root = workspace.login("root")
    off = root.put(f"/api/v1/alerts/settings/{item['brand_id']}", json={"enabled": False})
    assert off.status_code == 200
    turned_off = check_spikes(workspace.settings.database_url, now=BURST_AT + timedelta(minutes=50))
    assert (turned_off.opened, turned_off.closed) == (0, 1)
    assert ana.get(f"/api/v1/alerts/{item['id']}").json()["status"] == "closed"


def test_settings_are_checked_and_for_admins(workspace: Workspace) -> None:  # noqa: F811
    with transaction(workspace.settings.database_url) as session:
        acme_id = session.scalars(select(Brand.id).where(Brand.name == "Acme")).one()
    root, ana = workspace.login("root"), workspace.login("ana")
    assert ana.put(f"/api/v1/alerts/settings/{acme_id}", json={"min_posts": 5}).status_code == 403
    bad = root.put(f"/api/v1/alerts/settings/{acme_id}", json={"sensitivity": "wild"})
    assert bad.status_code == 422
    assert "low, normal, high" in bad.text
    no_secret = root.put(f"/api/v1/alerts/settings/{acme_id}", json={"webhook_url": "https://h"})
    assert no_secret.status_code == 422
    form = root.post(
        "/insights/alerts/settings",
        data={
            "brand_id": str(acme_id),
            "enabled": "on",
            "min_posts": "25",
            "sensitivity": "low",
            "min_severity": "critical",
        },
    )
    assert form.status_code == 303
    with transaction(workspace.settings.database_url) as session:
        saved = spike_settings(session.get(Brand, acme_id))  # type: ignore[arg-type]
    assert (saved.min_posts, saved.sensitivity, saved.min_severity.value) == (25, "low", "critical")
    assert root.get(f"/api/v1/alerts/settings/{acme_id}").json()["min_posts"] == 25
