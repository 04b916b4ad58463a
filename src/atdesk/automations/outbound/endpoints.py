"""REST API for outbound automation jobs: list them and retry a failed one (SPEC.md §7)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from atdesk.accounts.access import NotVisible
from atdesk.accounts.deps import ApiViewer
from atdesk.automations.engine.deps import (
    Limit,
    require_reviewer,
)
from atdesk.automations.outbound.queries import list_jobs
from atdesk.automations.outbound.schemas import JobOut
from atdesk.domain.ids import RowId
from atdesk.jobs import queue as jobs
from atdesk.models import (
    AutomationJob,
)
from atdesk.ui.deps import DbSession

router = APIRouter(prefix="/api/v1", tags=["automations"])


@router.get("/automation-jobs")
def get_jobs(
    session: DbSession,
    viewer: ApiViewer,
    status_in: Annotated[list[str] | None, Query(alias="status")] = None,
    limit: Limit = 200,
) -> list[JobOut]:
    """Outbound calls (messages, city, webhooks, CRM), newest first."""
    rows = list_jobs(session, viewer.brand_ids, statuses=status_in or (), limit=limit)
    return [JobOut.model_validate(r) for r in rows]


@router.post("/automation-jobs/{job_id}/retry")
def retry_job(session: DbSession, viewer: ApiViewer, job_id: RowId) -> JobOut:
    """Try a job again now (after fixing what its last error said)."""
    require_reviewer(viewer)
    row = session.get(AutomationJob, job_id)
    if row is None or (
        row.brand_id is not None
        and viewer.brand_ids is not None
        and row.brand_id not in viewer.brand_ids
    ):
        raise NotVisible(f"no job {job_id}")
    if row.status not in (jobs.NEEDS_HUMAN, jobs.QUEUED):
        raise HTTPException(status.HTTP_409_CONFLICT, f"job {job_id} is {row.status}")
    jobs.retry_now(session, row)
    return JobOut.model_validate(row)
