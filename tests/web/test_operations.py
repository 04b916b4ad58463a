"""Issue 15 point 6: /metrics (who may read what), /readyz, and request ids in and out."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select, text, update

from atdesk.brands.service import create_brand
from atdesk.config import Settings
from atdesk.domain.networks import Network
from atdesk.models import ApiCallRecord, BusMessage, Case
from atdesk.observability.logs import ContextIds, JsonFormatter
from atdesk.pipeline.bus import CASE_EVENTS, INBOUND
from atdesk.pipeline.embedded_bus import MAX_ATTEMPTS
from atdesk.pipeline.redis_bus import GROUP, dead_letter_stream, stream_name
from atdesk.storage.session import transaction
from atdesk.web.app import create_app
from tests.factories import make_brand, post, run

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
TOKEN = "metrics-token-0123456789"


def seed(settings: Settings) -> dict[str, int]:
    """Acme with three working cases and a resolved one; Zebra with one; spend in two months."""
    with transaction(settings.database_url) as session:
        make_brand(session)
        create_brand(session, "Zebra", [(Network.X, "zebrahelp", "1300000000")])
        run(
            session,
            post("1", "@acmehelp my parcel is lost", author="41", handle="a1"),
            post("2", "@acmehelp refund please", author="42", handle="a2"),
            post("3", "@acmehelp app crashes", author="43", handle="a3"),
            post("4", "@acmehelp wrong size", author="44", handle="a4"),
            post("5", "@zebrahelp invoice wrong", author="45", handle="z1"),
        )
        cases = {c.customer_author.native_id: c.id for c in session.scalars(select(Case)).all()}
        due = {
            "41": NOW - timedelta(hours=2),  # past due
            "42": NOW - timedelta(minutes=1),  # past due
            "43": NOW + timedelta(hours=1),  # still in time
            "44": NOW - timedelta(hours=5),  # past due, but resolved below
            "45": NOW - timedelta(hours=3),  # past due (Zebra)
        }
        for author, at in due.items():
            session.execute(update(Case).where(Case.id == cases[author]).values(sla_due_at=at))
        session.execute(update(Case).where(Case.id == cases["44"]).values(status="resolved"))
        last_month = NOW - timedelta(days=30)
        spent = (("2026-03", 5000, NOW), ("2026-03", 2500, NOW), ("2026-02", 9999, last_month))
        for month, cost, at in spent:
            session.add(
                ApiCallRecord(
                    at=at,
                    month=month,
                    network="x",
                    account="acmehelp",
                    operation="read",
                    method="GET",
                    endpoint="/2/tweets",
                    status=200,
                    items=1,
                    cost_micros=cost,
                )
            )
        session.add_all(
            [
                BusMessage(topic=INBOUND, payload={}, created_at=NOW - timedelta(seconds=90)),
                BusMessage(topic=INBOUND, payload={}, created_at=NOW - timedelta(seconds=10)),
                # Failed on every attempt: no consumer takes it again (a dead letter).
                BusMessage(
                    topic=INBOUND,
                    payload={},
                    created_at=NOW - timedelta(seconds=30),
                    attempts=MAX_ATTEMPTS,
                    error="RuntimeError('poison')",
                ),
                BusMessage(
                    topic=INBOUND,
                    payload={},
                    created_at=NOW - timedelta(hours=9),
                    done_at=NOW - timedelta(hours=8),
                ),
            ]
        )
    return cases


def client_for(settings: Settings) -> TestClient:
    app = create_app(settings)
    app.state.clock = lambda: NOW
    return TestClient(app, follow_redirects=False)


def samples(body: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a Prometheus text answer, by name and labels (this parser also checks
    that the answer is valid exposition text)."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body)
        for s in family.samples
    }


def test_metrics_without_a_token_show_the_numbers_but_no_brand(settings: Settings) -> None:
    seed(settings)
    response = client_for(settings).get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    got = samples(response.text)
    assert got[("atdesk_open_cases_past_sla", ())] == 3  # two of Acme's, one of Zebra's
    assert got[("atdesk_api_spend_month", (("currency", "USD"), ("network", "x")))] == 0.0075
    assert got[("atdesk_api_calls_month", (("network", "x"),))] == 2
    assert got[("atdesk_queue_depth", (("topic", INBOUND),))] == 3
    assert got[("atdesk_queue_dead_letters", (("topic", INBOUND),))] == 1
    assert got[("atdesk_queue_dead_letters", (("topic", CASE_EVENTS),))] == 0
    assert got[("atdesk_queue_depth", (("topic", CASE_EVENTS),))] == 0
    assert got[("atdesk_queue_lag_seconds", (("topic", INBOUND),))] == 90
    assert got[("atdesk_queue_lag_seconds", (("topic", CASE_EVENTS),))] == 0
    assert got[("atdesk_metrics_source_up", (("source", "database"),))] == 1
    assert got[("atdesk_metrics_source_up", (("source", "bus"),))] == 1
    assert ("atdesk_stage_items_total", (("stage", "stored"),)) in got
    assert ("atdesk_errors_total", (("stage", "inbound"),)) in got
    assert "Acme" not in response.text and "Zebra" not in response.text


def test_metrics_with_a_token_need_it_and_name_brands(settings: Settings) -> None:
    seed(settings)
    client = client_for(replace(settings, metrics_token=TOKEN))
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}):
        refused = client.get("/metrics", headers=headers)
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"].startswith("Bearer")
        assert "atdesk_" not in refused.text
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    got = samples(response.text)
    assert got[("atdesk_open_cases_past_sla", (("brand", "Acme"),))] == 2
    assert got[("atdesk_open_cases_past_sla", (("brand", "Zebra"),))] == 1


def test_a_source_that_fails_is_reported_not_hidden(settings: Settings) -> None:
    seed(settings)
    broken = replace(settings, redis_url="redis://127.0.0.1:1/0")
    got = samples(client_for(broken).get("/metrics").text)
    assert got[("atdesk_metrics_source_up", (("source", "bus"),))] == 0
    assert got[("atdesk_metrics_source_up", (("source", "database"),))] == 1
    assert not any(name == "atdesk_queue_depth" for name, _ in got)


@pytest.mark.redis
def test_metrics_read_redis_streams_depth_and_lag(settings: Settings, redis_url: str) -> None:
    seed(settings)
    client = redis.Redis.from_url(redis_url)
    inbound = stream_name(INBOUND)
    for ms in (1000, 2000, 3000):  # ids are milliseconds: 1970, so the lag is decades
        client.xadd(inbound, {"m": "{}"}, id=f"{ms}-0")
    web = client_for(replace(settings, redis_url=redis_url))

    def queue() -> tuple[float, float]:
        got = samples(web.get("/metrics").text)
        label = (("topic", INBOUND),)
        return got[("atdesk_queue_depth", label)], got[("atdesk_queue_lag_seconds", label)]

    depth, lag = queue()
    assert depth == 3 and lag > 50 * 365 * 86400  # no group yet: all three wait
    client.xgroup_create(inbound, GROUP, id="0")
    client.xreadgroup(GROUP, "w1", {inbound: ">"}, count=1)  # one delivered, not acknowledged
    depth, lag_pending = queue()
    assert depth == 3 and lag_pending == pytest.approx(lag, abs=60)  # the oldest is 1000-0
    client.xack(inbound, GROUP, "1000-0")
    depth, lag_after = queue()
    assert depth == 2 and lag_after == pytest.approx(lag - 1.0, abs=60)
    client.xreadgroup(GROUP, "w1", {inbound: ">"}, count=5)
    client.xack(inbound, GROUP, "2000-0", "3000-0")
    assert queue() == (0, 0)
    dead = (("topic", INBOUND),)
    assert samples(web.get("/metrics").text)[("atdesk_queue_dead_letters", dead)] == 0
    client.xadd(dead_letter_stream(INBOUND), {"m": "{}", "failures": "5", "error": "poison"})
    assert samples(web.get("/metrics").text)[("atdesk_queue_dead_letters", dead)] == 1
    client.close()


def test_the_pipeline_counts_each_stage_when_its_batch_commits(settings: Settings) -> None:
    with transaction(settings.database_url) as session:
        make_brand(session)

    def counts() -> dict[str, float]:
        return {
            stage: REGISTRY.get_sample_value("atdesk_stage_items_total", {"stage": stage}) or 0.0
            for stage in ("received", "stored", "triaged", "cases_opened")
        }

    before = counts()
    with pytest.raises(RuntimeError), transaction(settings.database_url) as session:
        run(session, post("1", "@acmehelp my parcel is lost", author="41", handle="a1"))
        raise RuntimeError("the batch fails: the bus delivers it again")
    assert counts() == before
    with transaction(settings.database_url) as session:
        run(
            session,
            post("1", "@acmehelp my parcel is lost", author="41", handle="a1"),
            post("2", "@acmehelp still lost", author="41", handle="a1", minutes=5, in_reply_to="1"),
            post("3", "@acmehelp app crashes", author="42", handle="a2"),
        )
        assert counts() == before, "nothing is counted before the commit"
    after = counts()
    assert after["received"] - before["received"] == 3
    assert after["stored"] - before["stored"] == 3
    assert after["triaged"] - before["triaged"] == 3
    assert after["cases_opened"] - before["cases_opened"] == 2
    with transaction(settings.database_url) as session:  # the same posts again: received only
        run(session, post("3", "@acmehelp app crashes", author="42", handle="a2"))
    again = counts()
    assert again["received"] - after["received"] == 1
    assert again["stored"] == after["stored"]


def test_readyz_is_ready_at_the_newest_schema(settings: Settings) -> None:
    response = client_for(settings).get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "checks": {"database": "ok", "migrations": "ok", "redis": "not configured"},
        "failed": [],
    }


def test_readyz_names_a_schema_behind_the_code(settings: Settings) -> None:
    with transaction(settings.database_url) as session:
        session.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    client = client_for(settings)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not ready" and body["failed"] == ["migrations"]
    assert "at 0001" in body["checks"]["migrations"]
    assert "atdesk db upgrade" in body["checks"]["migrations"]
    assert client.get("/healthz").status_code == 200, "liveness stays as SPEC §7 says"


def test_readyz_names_redis_when_it_is_down(settings: Settings) -> None:
    response = client_for(replace(settings, redis_url="redis://127.0.0.1:1/0")).get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["redis"]
    assert body["checks"]["database"] == "ok" and body["checks"]["migrations"] == "ok"
    assert body["checks"]["redis"].startswith("unreachable")


@pytest.mark.redis
def test_readyz_with_redis_up(settings: Settings, redis_url: str) -> None:
    response = client_for(replace(settings, redis_url=redis_url)).get("/readyz")
    assert response.status_code == 200 and response.json()["checks"]["redis"] == "ok"


def test_readyz_names_a_database_that_does_not_answer(settings: Settings, tmp_path: Path) -> None:
    client = client_for(settings)
    client.app.state.settings = replace(  # type: ignore[attr-defined]
        settings, database_url=f"sqlite:///{tmp_path}/missing/dir/atdesk.db"
    )
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["database", "migrations"]


class Lines(logging.Handler):
    """Keeps each record formatted as JSON, the ids copied on as in production."""

    def __init__(self) -> None:
        super().__init__()
        self.addFilter(ContextIds())
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def logged() -> Iterator[Lines]:
    handler = Lines()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield handler
    root.removeHandler(handler)
    root.setLevel(old_level)


def test_request_ids_go_in_and_out_and_into_the_logs(settings: Settings, logged: Lines) -> None:
    cases = seed(settings)
    app = create_app(settings)
    app.state.clock = lambda: NOW
    case_log = logging.getLogger("tests.case_route")

    @app.get("/_test/cases/{case_id}/log")
    def _log_inside(case_id: int) -> dict[str, int]:
        case_log.info("looked at the case")
        return {"case_id": case_id}

    client = TestClient(app)
    made = client.get("/healthz").headers["X-Request-ID"]
    assert len(made) == 32 and made != client.get("/healthz").headers["X-Request-ID"]
    assert (
        client.get("/readyz", headers={"X-Request-ID": "lb-42.a"}).headers["X-Request-ID"]
        == "lb-42.a"
    )
    for hostile in ("a b", "x" * 200, "<script>", "-starts-with-dash"):
        echoed = client.get("/healthz", headers={"X-Request-ID": hostile}).headers["X-Request-ID"]
        assert echoed != hostile and len(echoed) == 32
    logged.lines.clear()
    case_id = cases["41"]
    response = client.get(f"/_test/cases/{case_id}/log", headers={"X-Request-ID": "req-7"})
    assert response.status_code == 200
    records = [json.loads(line) for line in logged.lines]
    inside = next(r for r in records if r["logger"] == "tests.case_route")
    assert inside["request_id"] == "req-7" and inside["case_id"] == case_id
    access = next(r for r in records if r["logger"] == "atdesk.web.access")
    assert access["request_id"] == "req-7" and access["case_id"] == case_id
    assert access["status"] == 200 and isinstance(access["duration_ms"], float)
    assert access["path"] == f"/_test/cases/{case_id}/log" and access["method"] == "GET"
    logged.lines.clear()
    client.get("/healthz", headers={"X-Request-ID": "req-8"})
    after = [r for r in map(json.loads, logged.lines) if r["logger"].startswith("atdesk")]
    assert after and all(r["case_id"] is None for r in after), "a case never outlives its request"
    assert all(r["request_id"] == "req-8" for r in after)


def test_every_answer_carries_a_request_id_even_an_error(settings: Settings) -> None:
    client = client_for(settings)
    for path in ("/api/v1/cases", "/no/such/page", "/login"):
        assert len(client.get(path).headers["X-Request-ID"]) == 32
