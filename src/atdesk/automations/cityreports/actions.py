"""The open311_report action: a field report from a post, queued for the city's Open311 server."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.audit import service as audit
from atdesk.automations.engine.actions import action
from atdesk.automations.engine.context import ActionContext, Outcome
from atdesk.automations.engine.rules import Open311Action
from atdesk.jobs import queue as jobs
from atdesk.models import Open311Report

SUBMIT_JOB = "open311.submit"
POLL_JOB = "open311.poll"
QUEUED = "queued"
RETRYING = "retrying"
SUBMITTED = "submitted"
PENDING_TOKEN = "pending_token"  # noqa: S105 (a status name, not a secret)
CLOSED = "closed"
NEEDS_HUMAN = "needs_human"


def describe_open311(ctx: ActionContext, action: Open311Action) -> str:
    """Where the report would go and which location it would carry."""
    if ctx.config.open311 is None:
        return "nothing: no Open311 endpoint is configured"
    where = (
        f"lat {ctx.post.lat:.5f}, long {ctx.post.lon:.5f}"
        if ctx.post.lat is not None and ctx.post.lon is not None
        else ", ".join(ctx.entities.locations) or "no location (a person would be asked)"
    )
    return f"file with {ctx.config.open311.url} at {where}"


@action("file_open311", Open311Action, describe=describe_open311, label="File an Open311 report")
def open311_report(ctx: ActionContext, action: Open311Action) -> Outcome:
    """File the report with the city's Open311 server."""
    return file_report(ctx)


def file_report(ctx: ActionContext) -> Outcome:
    """Record the report and queue its submission; the city is called by a worker."""
    name = "file_open311"
    if ctx.config.open311 is None:
        return Outcome(name, "skipped", "no Open311 endpoint configured (ATDESK_OPEN311_ENDPOINT)")
    existing = ctx.session.scalar(select(Open311Report).where(Open311Report.post_id == ctx.post.id))
    if existing is not None:
        return Outcome(name, "skipped", f"report {existing.id} already filed")
    entities = ctx.entities
    report = Open311Report(
        brand_id=ctx.brand.id,
        case_id=ctx.case.id,
        post_id=ctx.post.id,
        lat=ctx.post.lat,
        long=ctx.post.lon,
        address=entities.locations[0][:300] if entities.locations else None,
        description=ctx.post.text,
        media_url=ctx.post.media[0] if ctx.post.media else None,
        status=QUEUED,
        matched_keywords=[],
        request={},
    )
    ctx.session.add(report)
    ctx.session.flush()
    jobs.enqueue(
        ctx.session,
        kind=SUBMIT_JOB,
        key=f"{SUBMIT_JOB}:report:{report.id}",
        brand_id=ctx.brand.id,
        case_id=ctx.case.id,
        payload={"report_id": report.id},
    )
    audit_report(ctx.session, report, "open311.queued", ctx.actor)
    return Outcome(name, "queued", "the city is called by a worker", {"report": report.id})


def audit_report(
    session: Session, report: Open311Report, action: str, actor: str, **extra: Any
) -> None:
    """Each step of a report goes into the case's audit trail, with the city's ids."""
    after = {
        "report_id": report.id,
        "status": report.status,
        "service_code": report.service_code,
        "service_request_id": report.service_request_id,
        "token": report.token,
        **extra,
    }
    if report.case_id is not None:
        audit.record(
            session,
            entity_type="case",
            entity_id=report.case_id,
            action=action,
            actor=actor,
            after=after,
        )
