"""`atdesk demo`'s planted outage: after the demo is prepared, Cable Co has an open spike alert
about update 5.2, on the alerts page and as the inbox banner; a second run adds nothing."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from atdesk.config import Settings
from atdesk.demo.setup import prepare_demo
from atdesk.models import Brand, Post, SpikeAlert
from atdesk.storage.session import transaction
from atdesk.web.app import create_app
from tests.respond.fakes import RecordingOutbox
from tests.web.conftest import csrf_of

NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)


def _login(settings: Settings, username: str, password: str) -> TestClient:
    client = TestClient(create_app(settings, outbox=RecordingOutbox()), follow_redirects=False)
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token, "next": "/"},
    )
    assert response.status_code == 303, response.text
    return client


def test_the_demo_outage_is_an_open_alert_on_the_page_and_the_banner(sqlite_url: str) -> None:
    settings = replace(Settings(), database_url=sqlite_url, secret_key="test-secret-key-0123456789")
    summary = prepare_demo(
        settings, replay=False, echo=lambda _: None, live_networks=False, now=NOW
    )
    with transaction(sqlite_url) as session:
        (alert,) = session.scalars(select(SpikeAlert)).all()
        brand = session.get(Brand, alert.brand_id)
        assert brand is not None and brand.name == "Cable Co"
        assert alert.status == "open"
        assert alert.severity in ("high", "critical")
        assert "update 5.2" in alert.terms
        assert NOW - timedelta(hours=2, minutes=5) <= alert.started_at
        assert alert.detected_at <= alert.started_at + timedelta(minutes=15)
        posts = session.scalar(select(func.count(Post.id)))
    client = _login(settings, summary.username, summary.password)
    inbox = client.get("/").text
    assert 'data-testid="spike-banner"' in inbox
    assert re.search(r"Cable Co — [^<]*update 5\.2", inbox)
    for path in ("/insights", "/insights/alerts"):
        assert f'data-alert-id="{alert.id}"' in client.get(path).text, path

    prepare_demo(settings, replay=False, echo=lambda _: None, live_networks=False, now=NOW)
    with transaction(sqlite_url) as session:
        assert session.scalar(select(func.count(SpikeAlert.id))) == 1
        assert session.scalar(select(func.count(Post.id))) == posts
