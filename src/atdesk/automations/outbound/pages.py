"""Staff pages for outbound automation jobs: what is queued or failed, and retrying one."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from atdesk.accounts.access import NotVisible, visible_brands
from atdesk.accounts.deps import PageViewer
from atdesk.automations.engine.deps import automation_page, need_reviewer
from atdesk.automations.outbound.queries import list_jobs
from atdesk.domain.ids import RowId
from atdesk.jobs import queue as jobs
from atdesk.models import (
    AutomationJob,
)
from atdesk.ui.deps import CsrfChecked, DbSession
from atdesk.ui.forms import see_other
from atdesk.ui.templating import flash

router = APIRouter(prefix="/automations", include_in_schema=False)


@router.get("/jobs", response_class=HTMLResponse)
def jobs_page(
    request: Request, session: DbSession, viewer: PageViewer, view: str = "attention"
) -> HTMLResponse:
    """Outbound calls: those waiting for a person first, with their last error."""
    statuses = {"attention": (jobs.NEEDS_HUMAN,), "queued": (jobs.QUEUED, jobs.RUNNING)}.get(
        view, ()
    )
    return automation_page(
        request,
        session,
        "jobs.html",
        "jobs",
        None,
        list(visible_brands(session, viewer.brand_ids)),
        jobs=list_jobs(session, viewer.brand_ids, statuses=statuses),
        view=view,
    )


@router.post("/jobs/{job_id}/retry", dependencies=[CsrfChecked])
def retry_job_page(
    request: Request, job_id: RowId, session: DbSession, viewer: PageViewer
) -> RedirectResponse:
    """Try a job again now."""
    need_reviewer(viewer)
    job = session.get(AutomationJob, job_id)
    if job is None or (
        job.brand_id is not None
        and viewer.brand_ids is not None
        and job.brand_id not in viewer.brand_ids
    ):
        raise NotVisible(f"no job {job_id}")
    jobs.retry_now(session, job)
    flash(request, f"Job {job_id} will run again within seconds.")
    return see_other("/automations/jobs")
