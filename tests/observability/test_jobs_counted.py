"""Work done in the job runner is counted (replies sent, sends refused, failed jobs) and its log
lines name the job and its case."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import httpx
import pytest
from prometheus_client import REGISTRY

from atdesk.config import Settings
from atdesk.jobs.queue import HANDLERS, JobEnv, JobOutcome, JobView, enqueue, run_due_jobs
from atdesk.models import Case
from atdesk.observability.context import CASE_ID, REQUEST_ID
from atdesk.observability.logs import ContextIds, JsonFormatter
from atdesk.storage.session import transaction
from tests.automations.helpers import NOW, Clock, automate, job_env, post, run_jobs
from tests.factories import make_brand
from tests.respond.fakes import RecordingOutbox

ASK = "@acmehelp please call me tomorrow morning about my bill"


def value(name: str, stage: str) -> float:
    return REGISTRY.get_sample_value(name, {"stage": stage}) or 0.0


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as client:
        yield client


def test_replies_sent_and_refused_are_counted(settings: Settings, http: httpx.Client) -> None:
    with transaction(settings.database_url) as session:
        make_brand(session)
        automate(session, settings, post("1", ASK))
    outbox = RecordingOutbox(fail=True)
    clock = Clock()  # the helpers' runner clock: a day past the stage's due times
    env = job_env(settings, outbox, http, clock)
    sent, refused = (
        value("atdesk_stage_items_total", "replies_sent"),
        value("atdesk_errors_total", "send"),
    )
    run_jobs(env)
    assert value("atdesk_errors_total", "send") - refused == 2  # the reply and the DM refused
    assert value("atdesk_stage_items_total", "replies_sent") == sent
    outbox.fail = False
    clock.advance(3600)
    run_jobs(env)
    assert len(outbox.sent) == 2
    assert value("atdesk_stage_items_total", "replies_sent") - sent == 2


def test_a_jobs_log_lines_name_the_job_and_its_case(
    settings: Settings, http: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    with transaction(settings.database_url) as session:
        make_brand(session)
        automate(session, settings, post("1", ASK))
        case_id = session.query(Case.id).scalar()
        enqueue(session, kind="test.logs", key="t1", payload={}, case_id=case_id, due_at=NOW)
        enqueue(session, kind="test.fails", key="t2", payload={}, due_at=NOW)
    lines: list[str] = []
    handler = logging.Handler()
    handler.addFilter(ContextIds())
    handler.setFormatter(JsonFormatter())
    handler.emit = lambda record: lines.append(handler.format(record))  # type: ignore[method-assign]
    log = logging.getLogger("tests.jobs")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    queue_log = logging.getLogger("atdesk.jobs.queue")
    queue_log.addHandler(handler)

    def logs(view: JobView, env: JobEnv) -> JobOutcome:
        log.info("working on job %s", view.id)
        return JobOutcome.done()

    def fails(view: JobView, env: JobEnv) -> JobOutcome:
        raise httpx.ConnectError("the CRM is down")

    monkeypatch.setitem(HANDLERS, "test.logs", logs)
    monkeypatch.setitem(HANDLERS, "test.fails", fails)
    failed = value("atdesk_errors_total", "jobs")
    env = JobEnv(settings=settings, http=http, outbox=RecordingOutbox(), now=lambda: NOW)
    try:
        run_due_jobs(env, limit=50)
    finally:
        log.removeHandler(handler)
        queue_log.removeHandler(handler)
    records = [json.loads(line) for line in lines]
    working = next(r for r in records if r["message"].startswith("working on job"))
    assert working["request_id"].startswith("job-") and working["case_id"] == case_id
    failure = next(r for r in records if "failed; it will be retried" in r["message"])
    assert failure["request_id"].startswith("job-") and failure["case_id"] is None
    assert failure["request_id"] != working["request_id"]
    assert "ConnectError: the CRM is down" in failure["exc_info"]
    assert value("atdesk_errors_total", "jobs") - failed == 1
    assert (REQUEST_ID.get(), CASE_ID.get()) == (None, None), "ids end with their job"
