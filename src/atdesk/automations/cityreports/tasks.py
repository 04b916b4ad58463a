"""Field reports filed with the city's Open311 server, retried while it is down, followed to
closure, with the reporter told at each step (PROTOCOLS.md §3)."""

from __future__ import annotations

import threading
import time as monotonic_time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from atdesk.automations.cityreports.actions import (
    CLOSED,
    NEEDS_HUMAN,
    PENDING_TOKEN,
    POLL_JOB,
    QUEUED,
    RETRYING,
    SUBMIT_JOB,
    SUBMITTED,
    audit_report,
)
from atdesk.automations.engine.settings import Endpoint, brand_config
from atdesk.automations.outbound.handoff import hand_over
from atdesk.automations.outbound.service import queue_text
from atdesk.domain.retry import next_retry_delay
from atdesk.integrations.open311 import (
    FieldReport,
    NeedsHuman,
    NextAction,
    Open311Client,
    Open311Error,
    Progress,
    Service,
    ServiceCodeMapper,
    ServiceDefinition,
    StillPending,
    TryAgain,
    build_request,
    closure_message,
    follow_up,
    receipt_message,
    submit_report,
)
from atdesk.integrations.open311.classifier import service_classifier
from atdesk.jobs import queue as jobs
from atdesk.models import Brand, Case, Open311Report, Post

SERVICES_TTL_S = 3600.0


class _ServiceCache:
    """The city's service list and definitions per endpoint, refreshed hourly (they change
    rarely, and every report would otherwise cost two extra calls)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._services: dict[str, tuple[float, list[Service]]] = {}
        self._definitions: dict[tuple[str, str], tuple[float, ServiceDefinition]] = {}

    def services(self, client: Open311Client) -> list[Service]:
        with self._lock:
            hit = self._services.get(client.endpoint)
            if hit and monotonic_time.monotonic() - hit[0] < SERVICES_TTL_S:
                return hit[1]
        services = client.services()
        with self._lock:
            self._services[client.endpoint] = (monotonic_time.monotonic(), services)
        return services

    def definition(self, client: Open311Client, code: str) -> ServiceDefinition:
        key = (client.endpoint, code)
        with self._lock:
            hit = self._definitions.get(key)
            if hit and monotonic_time.monotonic() - hit[0] < SERVICES_TTL_S:
                return hit[1]
        definition = client.service_definition(code)
        with self._lock:
            self._definitions[key] = (monotonic_time.monotonic(), definition)
        return definition

    def clear(self) -> None:
        with self._lock:
            self._services.clear()
            self._definitions.clear()


SERVICES = _ServiceCache()


@dataclass(frozen=True, slots=True)
class _Loaded:
    report_id: int
    endpoint: Endpoint
    keywords: dict[str, tuple[str, ...]]
    poll_s: float
    field: FieldReport
    service_request_id: str | None
    token: str | None


def _load(session: Session, job: jobs.JobView, env: jobs.JobEnv) -> _Loaded | None:
    report = session.get(Open311Report, int(job.payload["report_id"]))
    brand = session.get(Brand, report.brand_id) if report else None
    if report is None or brand is None:
        return None
    config = brand_config(session, brand, env.settings)
    if config.open311 is None:
        return None
    field = FieldReport(
        text=report.description,
        coordinates=(report.lat, report.long)
        if report.lat is not None and report.long is not None
        else None,
        address_text=report.address,
        media_urls=(report.media_url,) if report.media_url else (),
        case_reference=f"atdesk case {report.case_id}" if report.case_id else None,
    )
    return _Loaded(
        report.id,
        config.open311,
        dict(config.open311_keywords),
        config.open311_poll_s,
        field,
        report.service_request_id,
        report.token,
    )


def _client(endpoint: Endpoint, env: jobs.JobEnv) -> Open311Client:
    return Open311Client(endpoint.url, api_key=endpoint.secret, http=env.http)


@jobs.handler(SUBMIT_JOB)
def run_submit(job: jobs.JobView, env: jobs.JobEnv) -> jobs.JobOutcome:
    """Map the report to a service, POST it, and store the id or batch token."""
    with env.read() as session:
        loaded = _load(session, job, env)
    if loaded is None:
        return jobs.JobOutcome.needs_human("the report, its brand or the Open311 endpoint is gone")
    client = _client(loaded.endpoint, env)
    try:
        services = SERVICES.services(client)
        mapper = ServiceCodeMapper.from_services(
            services, extra_keywords=loaded.keywords, classifier=service_classifier(services)
        )
        match = mapper.match(loaded.field.text)
        metadata = {s.service_code for s in services if s.metadata}
        definitions = (
            {match.service_code: SERVICES.definition(client, match.service_code)}
            if match is not None and match.service_code in metadata
            else {}
        )
    except Open311Error as exc:
        delay = next_retry_delay(job.attempt)
        if delay is None or exc.next_action is not NextAction.RETRY_LATER:
            return _needs_human(job, f"cannot read the city's services: {exc}")
        return jobs.JobOutcome.retry(
            delay, str(exc), effect=_mark(loaded.report_id, RETRYING, str(exc))
        )
    built = build_request(loaded.field, mapper=mapper, definitions=definitions)
    if isinstance(built, NeedsHuman):
        return _needs_human(job, built.reason)
    names = {s.service_code: s.service_name for s in services}
    outcome = submit_report(client, built.request, attempt=job.attempt)
    if isinstance(outcome, TryAgain):
        return jobs.JobOutcome.retry(
            outcome.after_s,
            outcome.reason,
            effect=_mark(loaded.report_id, RETRYING, outcome.reason),
        )
    if isinstance(outcome, NeedsHuman):
        return _needs_human(job, outcome.reason)
    receipt = outcome.receipt
    request_json = {
        "service_code": built.request.service_code,
        "lat": built.request.location.lat,
        "long": built.request.location.long,
        "address_string": built.request.location.address_string,
        "media_url": built.request.media_url,
    }

    def store(session: Session) -> None:
        report = session.get(Open311Report, loaded.report_id)
        if report is None:
            return
        report.service_code = built.request.service_code
        report.service_name = names.get(built.request.service_code)
        report.matched_keywords = list(built.match.keywords)
        report.request = request_json
        report.service_request_id = receipt.service_request_id
        report.token = receipt.token
        report.service_notice = receipt.service_notice
        report.status = SUBMITTED if receipt.service_request_id else PENDING_TOKEN
        report.submitted_at = env.now()
        report.reason = None
        audit_report(session, report, "open311.submitted", "open311")
        _tell(session, report, receipt_message(receipt), purpose="open311-receipt", now=env.now())
        jobs.enqueue(
            session,
            kind=POLL_JOB,
            key=f"{POLL_JOB}:report:{report.id}",
            brand_id=report.brand_id,
            case_id=report.case_id,
            payload={"report_id": report.id},
            due_at=env.now() + _seconds(loaded.poll_s),
        )

    return jobs.JobOutcome.done(
        effect=store, service_request_id=receipt.service_request_id, token=receipt.token
    )


@jobs.handler(POLL_JOB)
def run_poll(job: jobs.JobView, env: jobs.JobEnv) -> jobs.JobOutcome:
    """Ask the city how the request is doing; tell the reporter when it is closed."""
    with env.read() as session:
        loaded = _load(session, job, env)
    if loaded is None:
        return jobs.JobOutcome.needs_human("the report, its brand or the Open311 endpoint is gone")
    outcome = follow_up(
        _client(loaded.endpoint, env),
        service_request_id=loaded.service_request_id,
        token=loaded.token,
        attempt=job.attempt,
    )
    if isinstance(outcome, StillPending):
        return jobs.JobOutcome.again(loaded.poll_s)
    if isinstance(outcome, TryAgain):
        return jobs.JobOutcome.retry(outcome.after_s, outcome.reason)
    if isinstance(outcome, NeedsHuman):
        return _needs_human(job, outcome.reason)
    assert isinstance(outcome, Progress)
    request = outcome.request

    def store(session: Session) -> None:
        report = session.get(Open311Report, loaded.report_id)
        if report is None:
            return
        report.service_request_id = request.service_request_id
        report.city_status = request.status.value
        report.status_notes = request.status_notes
        if report.status == PENDING_TOKEN:
            report.status = SUBMITTED
            audit_report(session, report, "open311.id_assigned", "open311")
        if request.closed and report.status != CLOSED:
            report.status = CLOSED
            report.closed_at = env.now()
            report.reporter_told_at = env.now()
            audit_report(session, report, "open311.closed", "open311")
            _tell(
                session, report, closure_message(request), purpose="open311-closed", now=env.now()
            )

    if request.closed:
        return jobs.JobOutcome.done(effect=store, city_status=request.status.value)
    return jobs.JobOutcome.again(loaded.poll_s, effect=store)


def _seconds(value: float) -> timedelta:
    return timedelta(seconds=value)


def _tell(
    session: Session, report: Open311Report, text: str, *, purpose: str, now: datetime
) -> None:
    """Answer the reporter in the thread of their post (the text carries no personal data)."""
    post = session.get(Post, report.post_id) if report.post_id else None
    if post is None or report.case_id is None:
        return
    queue_text(
        session,
        post=post,
        case_id=report.case_id,
        brand_id=report.brand_id,
        text=text,
        private=False,
        purpose=purpose,
        now=now,
    )


def _mark(report_id: int, status: str, reason: str) -> jobs.Effect:
    def effect(session: Session) -> None:
        report = session.get(Open311Report, report_id)
        if report is not None and report.status in (QUEUED, RETRYING):
            report.status = status
            report.reason = reason[:2000]

    return effect


def _needs_human(job: jobs.JobView, reason: str) -> jobs.JobOutcome:
    def effect(session: Session) -> None:
        report = session.get(Open311Report, int(job.payload["report_id"]))
        if report is None:
            return
        report.status = NEEDS_HUMAN
        report.reason = reason[:2000]
        audit_report(session, report, "open311.needs_human", "open311", reason=reason[:300])
        case = session.get(Case, report.case_id) if report.case_id else None
        if case is not None:
            hand_over(session, case, f"Open311: {reason}", actor="open311")

    return jobs.JobOutcome.needs_human(reason, effect=effect)
