"""REST API for automations (SPEC.md §7): rules, callbacks, appointments, knowledge base,
city reports and outbound jobs; every call is limited to the caller's brands."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, status
from fastapi.responses import PlainTextResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.accounts.access import NotVisible
from atdesk.accounts.deps import ApiViewer, Viewer
from atdesk.automations.appointments import service as book
from atdesk.automations.bot.actions import bot_stats
from atdesk.automations.bot.service import ArticleError, delete_article, save_article
from atdesk.automations.callbacks import actions as callbacks
from atdesk.automations.engine.dryrun import dry_run
from atdesk.automations.engine.queries import (
    appointments_out,
    callbacks_out,
    list_appointments,
    list_callbacks,
    list_jobs,
    list_reports,
    rule_out,
    within,
)
from atdesk.automations.engine.schemas import (
    AppointmentIn,
    AppointmentMoveIn,
    AppointmentOut,
    ArticleIn,
    ArticleOut,
    BotStatsOut,
    CallbackOut,
    CallbackOutcomeIn,
    DryRunIn,
    DryRunRowOut,
    JobOut,
    Open311ReportOut,
    ResourceIn,
    ResourceOut,
    RuleIn,
    RuleOut,
    RulesImportIn,
    RulesImportOut,
    WindowIn,
)
from atdesk.automations.engine.service import (
    RuleError,
    create_rule,
    delete_rule,
    export_yaml,
    import_rules,
    parse_spec,
    parse_yaml,
    rule_rows,
    update_rule,
)
from atdesk.automations.engine.settings import brand_config
from atdesk.config import Settings
from atdesk.customers.access import visible_customer
from atdesk.domain.ids import Offset, RowId
from atdesk.jobs import queue as jobs
from atdesk.models import (
    Appointment,
    AppointmentResource,
    AutomationJob,
    AutomationRule,
    Brand,
    Callback,
    KbArticle,
)
from atdesk.models.base import utcnow
from atdesk.ui.deps import DbSession, get_settings

router = APIRouter(prefix="/api/v1", tags=["automations"])
AppSettings = Annotated[Settings, Depends(get_settings)]
Limit = Annotated[int, Query(ge=1, le=500)]


def _unprocessable(exc: Exception) -> HTTPException:
    return HTTPException(status_code=status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(exc))


def _brand(session: Session, viewer: Viewer, brand_id: int) -> Brand:
    brand = session.get(Brand, brand_id)
    if brand is None or (viewer.brand_ids is not None and brand_id not in viewer.brand_ids):
        raise NotVisible(f"no brand {brand_id} in your brands")
    return brand


def _admin(viewer: Viewer) -> None:
    if not viewer.is_admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "admins only; ask an admin to change rules")


def _reviewer(viewer: Viewer) -> None:
    if not viewer.is_reviewer:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "supervisors and admins only")


def _visible(viewer: Viewer, brand_id: int, what: str) -> None:
    if viewer.brand_ids is not None and brand_id not in viewer.brand_ids:
        raise NotVisible(f"no {what} in your brands")


# --- rules -----------------------------------------------------------------------------


@router.get("/rules")
def get_rules(session: DbSession, viewer: ApiViewer, brand_id: RowId) -> list[RuleOut]:
    """A brand's rules in the order they run."""
    _brand(session, viewer, brand_id)
    return [rule_out(r) for r in rule_rows(session, brand_id)]


@router.post("/rules", status_code=201)
def post_rule(session: DbSession, viewer: ApiViewer, brand_id: RowId, body: RuleIn) -> RuleOut:
    """Add a rule at the end of the brand's list (admins)."""
    _admin(viewer)
    brand = _brand(session, viewer, brand_id)
    try:
        row = create_rule(session, brand, parse_spec(body.model_dump()), actor=viewer.user)
    except RuleError as exc:
        raise _unprocessable(exc) from None
    return rule_out(row)


def _rule(session: Session, viewer: Viewer, rule_id: int) -> AutomationRule:
    row = session.get(AutomationRule, rule_id)
    if row is None:
        raise NotVisible(f"no rule {rule_id}")
    _visible(viewer, row.brand_id, f"rule {rule_id}")
    return row


@router.put("/rules/{rule_id}")
def put_rule(session: DbSession, viewer: ApiViewer, rule_id: RowId, body: RuleIn) -> RuleOut:
    """Replace a rule (admins); what it already did stays in its history."""
    _admin(viewer)
    row = _rule(session, viewer, rule_id)
    try:
        update_rule(session, row, parse_spec(body.model_dump()), actor=viewer.user)
    except RuleError as exc:
        raise _unprocessable(exc) from None
    return rule_out(row)


@router.delete("/rules/{rule_id}", status_code=204)
def remove_rule(session: DbSession, viewer: ApiViewer, rule_id: RowId) -> None:
    """Delete a rule (admins)."""
    _admin(viewer)
    delete_rule(session, _rule(session, viewer, rule_id), actor=viewer.user)


@router.post("/rules/dry-run")
def post_dry_run(
    session: DbSession,
    viewer: ApiViewer,
    settings: AppSettings,
    brand_id: RowId,
    body: DryRunIn,
    rule_id: RowId | None = None,
) -> list[DryRunRowOut]:
    """What this rule would have done with the brand's last posts; nothing is saved or sent."""
    brand = _brand(session, viewer, brand_id)
    if rule_id is not None and _rule(session, viewer, rule_id).brand_id != brand.id:
        raise NotVisible(f"no rule {rule_id} of brand {brand.id}")
    try:
        spec = parse_spec(body.model_dump(exclude={"limit"}))
    except RuleError as exc:
        raise _unprocessable(exc) from None
    rows = dry_run(
        session,
        settings,
        brand,
        spec,
        now=utcnow(),
        limit=body.limit,
        rule_id=rule_id,
    )
    return [DryRunRowOut.model_validate(r) for r in rows]


@router.get("/rules/export", response_class=PlainTextResponse)
def get_rules_yaml(session: DbSession, viewer: ApiViewer, brand_id: RowId) -> str:
    """The brand's rules as YAML."""
    return export_yaml(session, _brand(session, viewer, brand_id))


@router.post("/rules/import")
def post_rules_yaml(
    session: DbSession, viewer: ApiViewer, brand_id: RowId, body: RulesImportIn
) -> RulesImportOut:
    """Make the brand's rules exactly those of a YAML file (admins)."""
    _admin(viewer)
    brand = _brand(session, viewer, brand_id)
    try:
        created, updated, deleted = import_rules(
            session, brand, parse_yaml(body.yaml).rules, actor=viewer.user
        )
    except RuleError as exc:
        raise _unprocessable(exc) from None
    return RulesImportOut(created=created, updated=updated, deleted=deleted)


# --- callbacks -------------------------------------------------------------------------


@router.get("/callbacks")
def get_callbacks(
    session: DbSession,
    viewer: ApiViewer,
    brand_id: RowId | None = None,
    status_in: Annotated[list[str] | None, Query(alias="status")] = None,
    limit: Limit = 200,
    offset: Offset = 0,
) -> list[CallbackOut]:
    """Callback requests, soonest window first."""
    rows = list_callbacks(
        session,
        viewer.brand_ids,
        brand_id=brand_id,
        statuses=status_in or (),
        limit=limit,
        offset=offset,
    )
    return callbacks_out(session, rows)


def _callback(session: Session, viewer: Viewer, callback_id: int) -> Callback:
    row = session.get(Callback, callback_id)
    if row is None:
        raise NotVisible(f"no callback {callback_id}")
    _visible(viewer, row.brand_id, f"callback {callback_id}")
    return row


@router.get("/callbacks/{callback_id}")
def get_callback(session: DbSession, viewer: ApiViewer, callback_id: RowId) -> CallbackOut:
    """One callback."""
    return callbacks_out(session, [_callback(session, viewer, callback_id)])[0]


@router.post("/callbacks/{callback_id}/claim")
def claim_callback(session: DbSession, viewer: ApiViewer, callback_id: RowId) -> CallbackOut:
    """Take the callback (two agents cannot hold the same one)."""
    row = _callback(session, viewer, callback_id)
    try:
        callbacks.claim(session, row, viewer.user)
    except callbacks.CallbackError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    return callbacks_out(session, [row])[0]


@router.post("/callbacks/{callback_id}/outcome")
def callback_outcome(
    session: DbSession,
    viewer: ApiViewer,
    settings: AppSettings,
    callback_id: RowId,
    body: CallbackOutcomeIn,
) -> CallbackOut:
    """Record what happened on the call (reached, no_answer, voicemail, wrong_number, cancelled)."""
    row = _callback(session, viewer, callback_id)
    brand = _brand(session, viewer, row.brand_id)
    config = brand_config(session, brand, settings)
    try:
        callbacks.record_call(
            session, row, body.outcome, user=viewer.user, config=config, notes=body.notes
        )
    except callbacks.CallbackError as exc:
        raise _unprocessable(exc) from None
    return callbacks_out(session, [row])[0]


@router.post("/callbacks/{callback_id}/reschedule")
def callback_reschedule(
    session: DbSession, viewer: ApiViewer, settings: AppSettings, callback_id: RowId, body: WindowIn
) -> CallbackOut:
    """Move the callback window."""
    row = _callback(session, viewer, callback_id)
    brand = _brand(session, viewer, row.brand_id)
    config = brand_config(session, brand, settings)
    try:
        callbacks.reschedule(
            session, row, start=body.start, end=body.end, user=viewer.user, config=config
        )
    except callbacks.CallbackError as exc:
        raise _unprocessable(exc) from None
    return callbacks_out(session, [row])[0]


# --- appointments ----------------------------------------------------------------------


@router.get("/appointments")
def get_appointments(
    session: DbSession,
    viewer: ApiViewer,
    brand_id: RowId | None = None,
    customer_id: RowId | None = None,
    limit: Limit = 500,
    offset: Offset = 0,
) -> list[AppointmentOut]:
    """Visits in time order."""
    rows = list_appointments(
        session,
        viewer.brand_ids,
        brand_id=brand_id,
        customer_id=customer_id,
        limit=limit,
        offset=offset,
    )
    return appointments_out(session, rows)


def _resource(session: Session, viewer: Viewer, resource_id: int) -> AppointmentResource:
    row = session.get(AppointmentResource, resource_id)
    if row is None:
        raise NotVisible(f"no technician {resource_id}")
    _visible(viewer, row.brand_id, f"technician {resource_id}")
    return row


@router.post("/appointments", status_code=201)
def post_appointment(session: DbSession, viewer: ApiViewer, body: AppointmentIn) -> AppointmentOut:
    """Book a visit (refused when the technician is busy)."""
    brand = _brand(session, viewer, body.brand_id)
    customer = visible_customer(session, viewer.brand_ids, body.customer_id)
    try:
        visit = book.book(
            session,
            brand=brand,
            customer=customer,
            resource=_resource(session, viewer, body.resource_id),
            kind=body.kind,
            start=body.start_at,
            end=body.end_at,
            actor=viewer.user,
            location=body.location,
            notes=body.notes,
            external_id=body.external_id,
        )
    except book.BookConflict as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    except book.BookError as exc:
        raise _unprocessable(exc) from None
    return appointments_out(session, [visit])[0]


def _visit(session: Session, viewer: Viewer, appointment_id: int) -> Appointment:
    row = session.get(Appointment, appointment_id)
    if row is None:
        raise NotVisible(f"no appointment {appointment_id}")
    _visible(viewer, row.brand_id, f"appointment {appointment_id}")
    return row


@router.get("/appointments/{appointment_id}")
def get_appointment(session: DbSession, viewer: ApiViewer, appointment_id: RowId) -> AppointmentOut:
    """One visit."""
    return appointments_out(session, [_visit(session, viewer, appointment_id)])[0]


@router.post("/appointments/{appointment_id}/move")
def move_appointment(
    session: DbSession, viewer: ApiViewer, appointment_id: RowId, body: AppointmentMoveIn
) -> AppointmentOut:
    """Move a visit; its calendar entry is replaced (SEQUENCE + 1)."""
    visit = _visit(session, viewer, appointment_id)
    resource = _resource(session, viewer, body.resource_id) if body.resource_id else None
    try:
        book.move(
            session,
            visit,
            start=body.start_at,
            end=body.end_at,
            actor=viewer.user,
            resource=resource,
        )
    except book.BookConflict as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    except book.BookError as exc:
        raise _unprocessable(exc) from None
    return appointments_out(session, [visit])[0]


@router.post("/appointments/{appointment_id}/cancel")
def cancel_appointment(
    session: DbSession, viewer: ApiViewer, appointment_id: RowId
) -> AppointmentOut:
    """Cancel a visit."""
    visit = book.cancel(session, _visit(session, viewer, appointment_id), actor=viewer.user)
    return appointments_out(session, [visit])[0]


@router.get("/resources")
def get_resources(session: DbSession, viewer: ApiViewer) -> list[ResourceOut]:
    """Technicians and their hours."""
    query = within(
        select(AppointmentResource).order_by(AppointmentResource.id),
        AppointmentResource.brand_id,
        viewer.brand_ids,
    )
    return [ResourceOut.model_validate(r) for r in session.scalars(query)]


@router.post("/resources", status_code=201)
def post_resource(session: DbSession, viewer: ApiViewer, body: ResourceIn) -> ResourceOut:
    """Add a technician (admins)."""
    _admin(viewer)
    brand = _brand(session, viewer, body.brand_id)
    try:
        row = book.save_resource(
            session, brand, name=body.name, hours=body.hours, kinds=body.kinds, actor=viewer.user
        )
    except book.BookError as exc:
        raise _unprocessable(exc) from None
    return ResourceOut.model_validate(row)


# --- knowledge base and bot ------------------------------------------------------------


@router.get("/kb")
def get_articles(session: DbSession, viewer: ApiViewer, brand_id: RowId) -> list[ArticleOut]:
    """A brand's knowledge-base articles."""
    _brand(session, viewer, brand_id)
    rows = session.scalars(
        select(KbArticle).where(KbArticle.brand_id == brand_id).order_by(KbArticle.title)
    )
    return [ArticleOut.model_validate(r) for r in rows]


@router.post("/kb", status_code=201)
def post_article(session: DbSession, viewer: ApiViewer, body: ArticleIn) -> ArticleOut:
    """Add an article (supervisors and admins)."""
    _reviewer(viewer)
    brand = _brand(session, viewer, body.brand_id)
    try:
        row = save_article(
            session,
            brand,
            title=body.title,
            body=body.body,
            questions=body.questions,
            enabled=body.enabled,
            actor=viewer.user,
        )
    except ArticleError as exc:
        raise _unprocessable(exc) from None
    return ArticleOut.model_validate(row)


@router.delete("/kb/{article_id}", status_code=204)
def remove_article(session: DbSession, viewer: ApiViewer, article_id: RowId) -> None:
    """Delete an article (supervisors and admins)."""
    _reviewer(viewer)
    row = session.get(KbArticle, article_id)
    if row is None:
        raise NotVisible(f"no article {article_id}")
    _visible(viewer, row.brand_id, f"article {article_id}")
    delete_article(session, row, actor=viewer.user)


@router.get("/bot/stats")
def get_bot_stats(session: DbSession, viewer: ApiViewer, brand_id: RowId) -> BotStatsOut:
    """Cases the bot saw, answered, handed over, and resolved without a human."""
    _brand(session, viewer, brand_id)
    stats = bot_stats(session, brand_id)
    return BotStatsOut(
        cases=stats.cases,
        answered=stats.answered,
        handed_off=stats.handed_off,
        resolved_without_human=stats.resolved_without_human,
        share_without_human=round(stats.share_without_human, 4),
    )


# --- city reports and jobs -------------------------------------------------------------


@router.get("/open311-reports")
def get_reports(
    session: DbSession, viewer: ApiViewer, limit: Limit = 200
) -> list[Open311ReportOut]:
    """Field reports filed with the city, newest first."""
    return [
        Open311ReportOut.model_validate(r)
        for r in list_reports(session, viewer.brand_ids, limit=limit)
    ]


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
    _reviewer(viewer)
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
