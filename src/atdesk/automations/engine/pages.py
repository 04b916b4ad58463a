"""Staff pages for automations: rules (edit, dry run, YAML), the callback queue for phone agents,
the appointment book, the knowledge base, city reports, outbound jobs and brand settings."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Depends, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from atdesk.accounts.access import NotVisible
from atdesk.accounts.deps import PageViewer, Viewer
from atdesk.automations.appointments import service as book
from atdesk.automations.appointments.rescheduling import OPEN_OFFERS
from atdesk.automations.bot.actions import bot_stats
from atdesk.automations.bot.service import ArticleError, delete_article, save_article
from atdesk.automations.callbacks import actions as callbacks
from atdesk.automations.engine.dryrun import DEFAULT_LIMIT, DryRunRow, dry_run
from atdesk.automations.engine.form import (
    ACTION_BY_TYPE,
    ACTIONS,
    CONDITION_BY_NAME,
    CONDITIONS,
    RuleForm,
    check_form,
    edit_rows,
    error_list,
    form_of_spec,
    read_form,
)
from atdesk.automations.engine.queries import (
    brands_for,
    list_appointments,
    list_callbacks,
    list_jobs,
    list_reports,
)
from atdesk.automations.engine.rules import (
    ACTION_TYPES,
    DEFAULT_MIN_CONFIDENCE,
    Conditions,
    RuleSpec,
)
from atdesk.automations.engine.service import (
    RuleError,
    create_rule,
    delete_rule,
    export_yaml,
    import_rules,
    install_defaults,
    move_rule,
    parse_spec,
    parse_yaml,
    place_rule,
    rule_document,
    rule_index,
    rule_rows,
    spec_of,
    update_rule,
)
from atdesk.automations.engine.settings import (
    BrandConfig,
    brand_config,
    parse_messages_per_hour,
    update_brand_settings,
)
from atdesk.automations.feeds import feed_path
from atdesk.config import Settings
from atdesk.domain.ids import RowId, parse_id
from atdesk.jobs import queue as jobs
from atdesk.models import (
    Appointment,
    AppointmentOffer,
    AppointmentResource,
    AutomationJob,
    AutomationRule,
    Brand,
    Callback,
    Customer,
    KbArticle,
    RuleRun,
    Team,
    User,
)
from atdesk.models.base import utcnow
from atdesk.ui.deps import CsrfChecked, DbSession, PageForm, get_settings
from atdesk.ui.templating import flash, render

router = APIRouter(prefix="/automations", include_in_schema=False)
AppSettings = Annotated[Settings, Depends(get_settings)]
NEW_RULE = """name: My new rule
enabled: true
stop: false
when:
  intent: [question]
then:
  - type: tag
    tags: [faq]
"""


def _go(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def _pick_brand(
    session: Session, viewer: Viewer, brand_id: int | None
) -> tuple[Brand, list[Brand]]:
    """The brand a page is about: the one asked for, else the first the viewer may see."""
    brands = list(brands_for(session, viewer.brand_ids))
    if not brands:
        raise NotVisible("you work on no brand yet; ask an admin to add you to a team")
    if brand_id is None:
        with_rules = set(session.scalars(select(AutomationRule.brand_id).distinct()))
        chosen = next((b for b in brands if b.id in with_rules), brands[0])
        return chosen, brands
    chosen_or_none = next((b for b in brands if b.id == brand_id), None)
    if chosen_or_none is None:
        raise NotVisible(f"no brand {brand_id} in your brands")
    return chosen_or_none, brands


def _need_admin(viewer: Viewer) -> None:
    if not viewer.is_admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "admins only; ask an admin to change this")


def _need_reviewer(viewer: Viewer) -> None:
    if not viewer.is_reviewer:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "supervisors and admins only")


def _page(
    request: Request,
    session: Session,
    name: str,
    tab: str,
    brand: Brand | None,
    brands: list[Brand],
    **context: Any,
) -> HTMLResponse:
    return render(
        request,
        f"automations/{name}",
        {"tab": tab, "brand": brand, "brands": brands, **context},
        session=session,
    )


@router.get("", response_class=HTMLResponse)
def home(_viewer: PageViewer) -> RedirectResponse:
    """The automations area starts at the rules."""
    return _go("/automations/rules")


# --- rules -----------------------------------------------------------------------------


def _summary(row: AutomationRule) -> tuple[str, str]:
    spec = spec_of(row)
    when = "; ".join(
        f"{k} {', '.join(map(str, v)) if isinstance(v, list) else v}"
        for k, v in spec.when.given().items()
    )
    then = ", ".join(a.type.replace("_", " ") for a in spec.then)
    return when or "every post", then


@router.get("/rules", response_class=HTMLResponse)
def rules_page(
    request: Request, session: DbSession, viewer: PageViewer, brand_id: RowId | None = None
) -> HTMLResponse:
    """The brand's rules in order, with what each matches and does."""
    brand, brands = _pick_brand(session, viewer, brand_id)
    if viewer.is_admin:
        install_defaults(session, brand, actor=viewer.user)
    rows = rule_rows(session, brand.id)
    runs: dict[int, int] = {
        rule_id: int(count)
        for rule_id, count in session.execute(
            select(RuleRun.rule_id, func.count())
            .where(RuleRun.rule_id.in_([r.id for r in rows] or [-1]))
            .group_by(RuleRun.rule_id)
        )
    }
    return _page(
        request,
        session,
        "rules.html",
        "rules",
        brand,
        brands,
        rules=[(r, *_summary(r)) for r in rows],
        runs=runs,
    )


@router.get("/rules/edit", response_class=HTMLResponse)
def edit_rule_page(
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    brand_id: RowId | None = None,
    rule_id: RowId | None = None,
) -> HTMLResponse:
    """Write or change one rule as YAML; try it on recent posts before saving."""
    row = session.get(AutomationRule, rule_id) if rule_id else None
    brand, brands = _pick_brand(session, viewer, row.brand_id if row else brand_id)
    text = NEW_RULE if row is None else _rule_yaml(rule_document(spec_of(row)))
    return _edit(request, session, brand, brands, row, text, None, None)


def _rule_yaml(data: dict[str, Any]) -> str:
    ordered = {
        k: data[k]
        for k in ("name", "enabled", "stop", "min_confidence", "when", "then")
        if k in data
    }
    return yaml.safe_dump(ordered, sort_keys=False, allow_unicode=True, width=100)


def _edit(
    request: Request,
    session: Session,
    brand: Brand,
    brands: list[Brand],
    row: AutomationRule | None,
    text: str,
    results: list[DryRunRow] | None,
    error: str | None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "automations/rule_edit.html",
        {
            "tab": "rules",
            "brand": brand,
            "brands": brands,
            "rule": row,
            "text": text,
            "results": results,
            "matched": sum(1 for r in results or [] if r.matched),
            "error": error,
            "conditions": list(Conditions.model_fields),
            "action_types": ACTION_TYPES,
        },
        status_code,
        session=session,
    )


@router.post("/rules/edit", response_class=HTMLResponse, dependencies=[CsrfChecked])
def save_or_try_rule(
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    settings: AppSettings,
    brand_id: Annotated[RowId, Form()],
    text: Annotated[str, Form()],
    do: Annotated[str, Form()] = "dry",
    rule_id: Annotated[RowId | None, Form()] = None,
    limit: Annotated[int, Form()] = 50,
) -> Any:
    """`do=dry` shows what the rule would have done with the last posts; `do=save` saves it."""
    row = session.get(AutomationRule, rule_id) if rule_id else None
    brand, brands = _pick_brand(session, viewer, row.brand_id if row else brand_id)
    try:
        spec = _yaml_spec(text)
    except (yaml.YAMLError, RuleError) as exc:
        return _edit(request, session, brand, brands, row, text, None, str(exc), 422)
    if do == "save":
        _need_admin(viewer)
        try:
            if row is None:
                row = create_rule(session, brand, spec, actor=viewer.user)
            else:
                update_rule(session, row, spec, actor=viewer.user)
        except RuleError as exc:
            return _edit(request, session, brand, brands, row, text, None, str(exc), 422)
        flash(request, f"Rule “{spec.name}” saved.")
        return _go(f"/automations/rules?brand_id={brand.id}")
    results = dry_run(
        session,
        settings,
        brand,
        spec,
        now=utcnow(),
        limit=max(1, min(limit, 500)),
        rule_id=row.id if row else None,
    )
    return _edit(request, session, brand, brands, row, text, results, None)


@router.get("/rules/form", response_class=HTMLResponse)
def rule_form_page(
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    brand_id: RowId | None = None,
    rule_id: RowId | None = None,
) -> HTMLResponse:
    """Write or change one rule field by field; try it on recent posts before saving."""
    row = _rule_or_none(session, rule_id)
    brand, brands = _pick_brand(session, viewer, row.brand_id if row else brand_id)
    form = form_of_spec(spec_of(row)) if row else RuleForm()
    return _form(request, session, brand, brands, row, form)


@router.post("/rules/form", response_class=HTMLResponse, dependencies=[CsrfChecked])
def save_or_try_rule_form(
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    settings: AppSettings,
    fields: PageForm,
) -> Any:
    """`do=save` saves, `do=dry` tries the rule on recent posts, `do=yaml` and `do=from-yaml`
    switch editors with what was typed; the row buttons work here too, for pages without
    script."""
    do = str(fields.get("do") or "dry")
    if do == "save":
        _need_admin(viewer)
    row = _rule_or_none(session, _form_int(fields.get("rule_id")))
    brand, brands = _pick_brand(
        session, viewer, row.brand_id if row else _form_int(fields.get("brand_id"))
    )
    limit = max(1, min(_form_int(fields.get("limit")) or DEFAULT_LIMIT, 500))
    if do == "from-yaml":
        text = str(fields.get("text") or "")
        try:
            form = form_of_spec(_yaml_spec(text))
        except (yaml.YAMLError, RuleError) as exc:
            return _edit(request, session, brand, brands, row, text, None, str(exc), 422)
        return _form(request, session, brand, brands, row, form, limit=limit)
    form = read_form(fields)
    if edit_rows(
        form,
        do,
        condition=str(fields.get("add_condition") or ""),
        action=str(fields.get("add_action") or ""),
    ):
        return _form(request, session, brand, brands, row, form, limit=limit)
    checked = check_form(form)
    if do == "yaml":
        try:
            text, error = _rule_yaml(rule_document(parse_spec(checked.data))), None
        except RuleError as exc:
            text, error = _rule_yaml(checked.data), str(exc)
        return _edit(request, session, brand, brands, row, text, None, error)
    spec = checked.spec
    if spec is None:
        return _form(request, session, brand, brands, row, form, checked.errors, limit=limit)
    if do == "save":
        try:
            row = _save(session, brand, row, spec, viewer)
        except RuleError as exc:
            errors = {"name": str(exc)}
            return _form(request, session, brand, brands, row, form, errors, limit=limit)
        if form.position.isdigit():
            place_rule(session, row, int(form.position), actor=viewer.user)
        flash(request, f"Rule “{spec.name}” saved.")
        return _go(f"/automations/rules?brand_id={brand.id}")
    results = dry_run(
        session, settings, brand, spec, now=utcnow(), limit=limit, rule_id=row.id if row else None
    )
    return _form(request, session, brand, brands, row, form, results=results, limit=limit)


def _rule_or_none(session: Session, rule_id: int | None) -> AutomationRule | None:
    """The rule asked for (None for a new one); an id that names no rule is not found."""
    if rule_id is None:
        return None
    row = session.get(AutomationRule, rule_id)
    if row is None:
        raise NotVisible(f"no rule {rule_id}")
    return row


def _form_int(value: object) -> int | None:
    """A positive whole number typed in a form field (an id, a limit); None for anything else."""
    return parse_id(value) if isinstance(value, str) else None


def _yaml_spec(text: str) -> RuleSpec:
    """One rule written as YAML, validated as the YAML editor saves it."""
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise RuleError("write the rule as a YAML mapping with name, when and then")
    return parse_spec(data)


def _save(
    session: Session, brand: Brand, row: AutomationRule | None, spec: RuleSpec, viewer: Viewer
) -> AutomationRule:
    if row is None:
        return create_rule(session, brand, spec, actor=viewer.user)
    return update_rule(session, row, spec, actor=viewer.user)


def _form(
    request: Request,
    session: Session,
    brand: Brand,
    brands: list[Brand],
    row: AutomationRule | None,
    form: RuleForm,
    errors: dict[str, str] | None = None,
    *,
    results: list[DryRunRow] | None = None,
    limit: int = DEFAULT_LIMIT,
) -> HTMLResponse:
    """The rule form, with what was typed, the problems by field and the dry run's rows."""
    others = [r for r in rule_rows(session, brand.id) if row is None or r.id != row.id]
    if not form.position.isdigit():
        form.position = str(rule_index(session, row) if row else len(others))
    return render(
        request,
        "automations/rule_form.html",
        {
            "tab": "rules",
            "brand": brand,
            "brands": brands,
            "rule": row,
            "form": form,
            "errors": errors or {},
            "error_list": error_list(form, errors or {}),
            "results": results,
            "matched": sum(1 for r in results or [] if r.matched),
            "limit": limit,
            "others": others,
            "conditions": CONDITIONS,
            "condition_by_name": CONDITION_BY_NAME,
            "actions": ACTIONS,
            "action_by_type": ACTION_BY_TYPE,
            "teams": session.scalars(select(Team.name).order_by(Team.name)).all(),
            "default_min_confidence": DEFAULT_MIN_CONFIDENCE,
        },
        422 if errors else 200,
        session=session,
    )


def _rule_of(session: Session, viewer: Viewer, rule_id: int) -> AutomationRule:
    _need_admin(viewer)
    row = session.get(AutomationRule, rule_id)
    if row is None:
        raise NotVisible(f"no rule {rule_id}")
    return row


@router.post("/rules/{rule_id}/move", dependencies=[CsrfChecked])
def move_rule_page(
    rule_id: RowId, session: DbSession, viewer: PageViewer, offset: Annotated[int, Form()]
) -> RedirectResponse:
    """Move a rule up or down."""
    row = _rule_of(session, viewer, rule_id)
    move_rule(session, row, -1 if offset < 0 else 1, actor=viewer.user)
    return _go(f"/automations/rules?brand_id={row.brand_id}")


@router.post("/rules/{rule_id}/toggle", dependencies=[CsrfChecked])
def toggle_rule(rule_id: RowId, session: DbSession, viewer: PageViewer) -> RedirectResponse:
    """Switch a rule on or off."""
    row = _rule_of(session, viewer, rule_id)
    spec = spec_of(row).model_copy(update={"enabled": not row.enabled})
    update_rule(session, row, spec, actor=viewer.user)
    return _go(f"/automations/rules?brand_id={row.brand_id}")


@router.post("/rules/{rule_id}/delete", dependencies=[CsrfChecked])
def delete_rule_page(
    request: Request, rule_id: RowId, session: DbSession, viewer: PageViewer
) -> RedirectResponse:
    """Delete a rule."""
    row = _rule_of(session, viewer, rule_id)
    brand_id, name = row.brand_id, row.name
    delete_rule(session, row, actor=viewer.user)
    flash(request, f"Rule “{name}” deleted.")
    return _go(f"/automations/rules?brand_id={brand_id}")


@router.get("/rules/export", response_class=PlainTextResponse)
def export_rules(session: DbSession, viewer: PageViewer, brand_id: RowId) -> PlainTextResponse:
    """The brand's rules as a YAML file."""
    brand, _ = _pick_brand(session, viewer, brand_id)
    slug = "".join(c if c.isalnum() else "-" for c in brand.name.lower()).strip("-")
    return PlainTextResponse(
        export_yaml(session, brand),
        media_type="application/yaml",
        headers={"Content-Disposition": f'attachment; filename="{slug}-rules.yaml"'},
    )


@router.post("/rules/import", response_class=HTMLResponse, dependencies=[CsrfChecked])
def import_rules_page(
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    brand_id: Annotated[RowId, Form()],
    text: Annotated[str, Form()],
) -> Any:
    """Replace the brand's rules with a YAML file's."""
    _need_admin(viewer)
    brand, _ = _pick_brand(session, viewer, brand_id)
    try:
        created, updated, deleted = import_rules(
            session, brand, parse_yaml(text).rules, actor=viewer.user
        )
    except RuleError as exc:
        flash(request, f"Import refused: {exc}", "error")
        return _go(f"/automations/rules?brand_id={brand.id}")
    flash(request, f"Imported: {created} new, {updated} changed, {deleted} removed.")
    return _go(f"/automations/rules?brand_id={brand.id}")


# --- callbacks -------------------------------------------------------------------------

QUEUE_VIEWS = {
    "open": ("queued", "claimed"),
    "waiting": ("awaiting_verification",),
    "done": ("completed", "cancelled"),
}


@router.get("/callbacks", response_class=HTMLResponse)
def callbacks_page(
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    settings: AppSettings,
    brand_id: RowId | None = None,
    view: str = "open",
) -> HTMLResponse:
    """The phone agents' queue: soonest window first, with the number from the record."""
    brand, brands = _pick_brand(session, viewer, brand_id)
    rows = list_callbacks(
        session, viewer.brand_ids, brand_id=brand.id, statuses=QUEUE_VIEWS.get(view, ())
    )
    customers = {
        c.id: c
        for c in session.scalars(
            select(Customer).where(Customer.id.in_([r.customer_id or -1 for r in rows]))
        )
    }
    agents = {
        u.id: u.display_name or u.username
        for u in session.scalars(
            select(User).where(User.id.in_([r.claimed_by_id or -1 for r in rows]))
        )
    }
    config = brand_config(session, brand, settings)
    return _page(
        request,
        session,
        "callbacks.html",
        "callbacks",
        brand,
        brands,
        callbacks=rows,
        customers=customers,
        agents=agents,
        view=view,
        views=list(QUEUE_VIEWS),
        outcomes=callbacks.OUTCOMES,
        tz=config.tz,
        feed=feed_path(settings.signing_key, "callbacks", brand.id),
        dialer=config.dialer,
    )


def _callback_of(session: Session, viewer: Viewer, callback_id: int) -> Callback:
    row = session.get(Callback, callback_id)
    if row is None or (viewer.brand_ids is not None and row.brand_id not in viewer.brand_ids):
        raise NotVisible(f"no callback {callback_id} in your brands")
    return row


def _back_to_queue(row: Callback) -> RedirectResponse:
    return _go(f"/automations/callbacks?brand_id={row.brand_id}#callback-{row.id}")


@router.post("/callbacks/{callback_id}/claim", dependencies=[CsrfChecked])
def claim_page(
    request: Request, callback_id: RowId, session: DbSession, viewer: PageViewer
) -> RedirectResponse:
    """Take a callback, or give it back."""
    row = _callback_of(session, viewer, callback_id)
    try:
        if row.status == callbacks.CLAIMED and row.claimed_by_id == viewer.user.id:
            change = callbacks.release(session, row, viewer.user)
        else:
            change = callbacks.claim(session, row, viewer.user)
        flash(request, change.message)
    except callbacks.CallbackError as exc:
        flash(request, str(exc), "error")
    return _back_to_queue(row)


@router.post("/callbacks/{callback_id}/outcome", dependencies=[CsrfChecked])
def outcome_page(
    request: Request,
    callback_id: RowId,
    session: DbSession,
    viewer: PageViewer,
    settings: AppSettings,
    outcome: Annotated[str, Form()],
    notes: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Record the call's outcome."""
    row = _callback_of(session, viewer, callback_id)
    config = _config_of(session, row.brand_id, settings)
    try:
        change = callbacks.record_call(
            session, row, outcome, user=viewer.user, config=config, notes=notes
        )
        flash(request, change.message)
    except callbacks.CallbackError as exc:
        flash(request, str(exc), "error")
    return _back_to_queue(row)


def _config_of(session: Session, brand_id: int, settings: Settings) -> BrandConfig:
    brand = session.get(Brand, brand_id)
    assert brand is not None
    return brand_config(session, brand, settings)


def _local(day: str, clock: str, config: BrandConfig) -> datetime:
    try:
        return datetime.combine(date.fromisoformat(day), time.fromisoformat(clock), config.tz)
    except ValueError:
        raise callbacks.CallbackError("give the day as YYYY-MM-DD and times as HH:MM") from None


@router.post("/callbacks/{callback_id}/reschedule", dependencies=[CsrfChecked])
def reschedule_page(
    request: Request,
    callback_id: RowId,
    session: DbSession,
    viewer: PageViewer,
    settings: AppSettings,
    day: Annotated[str, Form()],
    start: Annotated[str, Form()],
    end: Annotated[str, Form()],
) -> RedirectResponse:
    """Move the window (in the brand's time zone)."""
    row = _callback_of(session, viewer, callback_id)
    config = _config_of(session, row.brand_id, settings)
    try:
        change = callbacks.reschedule(
            session,
            row,
            start=_local(day, start, config),
            end=_local(day, end, config),
            user=viewer.user,
            config=config,
        )
        flash(request, change.message)
    except callbacks.CallbackError as exc:
        flash(request, str(exc), "error")
    return _back_to_queue(row)


# --- appointments ----------------------------------------------------------------------


@router.get("/appointments", response_class=HTMLResponse)
def appointments_page(
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    settings: AppSettings,
    brand_id: RowId | None = None,
    day: str | None = None,
) -> HTMLResponse:
    """The day's visits per technician, the offers waiting for an answer, and the feed."""
    brand, brands = _pick_brand(session, viewer, brand_id)
    config = brand_config(session, brand, settings)
    try:
        shown = date.fromisoformat(day) if day else utcnow().astimezone(config.tz).date()
    except ValueError:
        shown = utcnow().astimezone(config.tz).date()
    start = datetime.combine(shown, time(0), config.tz)
    visits = list_appointments(
        session, viewer.brand_ids, brand_id=brand.id, start=start, end=start + timedelta(days=1)
    )
    resources = session.scalars(
        select(AppointmentResource)
        .where(AppointmentResource.brand_id == brand.id)
        .order_by(AppointmentResource.id)
    ).all()
    customers = {
        c.id: c
        for c in session.scalars(
            select(Customer).where(Customer.id.in_([v.customer_id for v in visits] or [-1]))
        )
    }
    offers = session.scalars(
        select(AppointmentOffer)
        .join(Appointment, Appointment.id == AppointmentOffer.appointment_id)
        .where(Appointment.brand_id == brand.id)
        .order_by(AppointmentOffer.id.desc())
        .limit(20)
    ).all()
    upcoming = session.scalars(
        select(Appointment)
        .where(Appointment.brand_id == brand.id, Appointment.start_at >= start)
        .order_by(Appointment.start_at)
        .limit(30)
    ).all()
    return _page(
        request,
        session,
        "appointments.html",
        "appointments",
        brand,
        brands,
        day=shown,
        prev_day=shown - timedelta(days=1),
        next_day=shown + timedelta(days=1),
        resources=resources,
        visits=visits,
        upcoming=upcoming,
        customers=customers,
        offers=offers,
        open_offers=OPEN_OFFERS,
        tz=config.tz,
        feed=feed_path(settings.signing_key, "appointments", brand.id),
    )


@router.post("/appointments/{appointment_id}/cancel", dependencies=[CsrfChecked])
def cancel_visit(
    request: Request, appointment_id: RowId, session: DbSession, viewer: PageViewer
) -> RedirectResponse:
    """Cancel a visit."""
    visit = session.get(Appointment, appointment_id)
    if visit is None or (viewer.brand_ids is not None and visit.brand_id not in viewer.brand_ids):
        raise NotVisible(f"no appointment {appointment_id} in your brands")
    book.cancel(session, visit, actor=viewer.user)
    flash(request, f"Visit {visit.id} cancelled; calendars will drop it.")
    return _go(f"/automations/appointments?brand_id={visit.brand_id}&day={visit.start_at.date()}")


# --- knowledge base --------------------------------------------------------------------


@router.get("/kb", response_class=HTMLResponse)
def kb_page(
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    brand_id: RowId | None = None,
    article_id: RowId | None = None,
) -> HTMLResponse:
    """The brand's articles, the one being edited, and how the bot did."""
    brand, brands = _pick_brand(session, viewer, brand_id)
    articles = session.scalars(
        select(KbArticle).where(KbArticle.brand_id == brand.id).order_by(KbArticle.title)
    ).all()
    editing = session.get(KbArticle, article_id) if article_id else None
    return _page(
        request,
        session,
        "kb.html",
        "kb",
        brand,
        brands,
        articles=articles,
        editing=editing if editing and editing.brand_id == brand.id else None,
        stats=bot_stats(session, brand.id),
    )


@router.post("/kb", dependencies=[CsrfChecked])
def save_article_page(
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    brand_id: Annotated[RowId, Form()],
    title: Annotated[str, Form()],
    body: Annotated[str, Form()],
    questions: Annotated[str, Form()] = "",
    enabled: Annotated[str, Form()] = "",
    article_id: Annotated[RowId | None, Form()] = None,
    delete: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Add, change or delete an article."""
    _need_reviewer(viewer)
    brand, _ = _pick_brand(session, viewer, brand_id)
    article = session.get(KbArticle, article_id) if article_id else None
    if article is not None and article.brand_id != brand.id:
        raise NotVisible(f"no article {article_id} for {brand.name}")
    try:
        if delete and article is not None:
            delete_article(session, article, actor=viewer.user)
            flash(request, f"Article “{article.title}” deleted.")
        else:
            saved = save_article(
                session,
                brand,
                title=title,
                body=body,
                questions=questions,
                enabled=bool(enabled),
                actor=viewer.user,
                article=article,
            )
            flash(request, f"Article “{saved.title}” saved.")
    except ArticleError as exc:
        flash(request, str(exc), "error")
    return _go(f"/automations/kb?brand_id={brand.id}")


# --- city reports, jobs, settings ------------------------------------------------------


@router.get("/reports", response_class=HTMLResponse)
def reports_page(request: Request, session: DbSession, viewer: PageViewer) -> HTMLResponse:
    """Field reports filed with the city and where each one stands."""
    return _page(
        request,
        session,
        "reports.html",
        "reports",
        None,
        list(brands_for(session, viewer.brand_ids)),
        reports=list_reports(session, viewer.brand_ids),
    )


@router.get("/jobs", response_class=HTMLResponse)
def jobs_page(
    request: Request, session: DbSession, viewer: PageViewer, view: str = "attention"
) -> HTMLResponse:
    """Outbound calls: those waiting for a person first, with their last error."""
    statuses = {"attention": (jobs.NEEDS_HUMAN,), "queued": (jobs.QUEUED, jobs.RUNNING)}.get(
        view, ()
    )
    return _page(
        request,
        session,
        "jobs.html",
        "jobs",
        None,
        list(brands_for(session, viewer.brand_ids)),
        jobs=list_jobs(session, viewer.brand_ids, statuses=statuses),
        view=view,
    )


@router.post("/jobs/{job_id}/retry", dependencies=[CsrfChecked])
def retry_job_page(
    request: Request, job_id: RowId, session: DbSession, viewer: PageViewer
) -> RedirectResponse:
    """Try a job again now."""
    _need_reviewer(viewer)
    job = session.get(AutomationJob, job_id)
    if job is None or (
        job.brand_id is not None
        and viewer.brand_ids is not None
        and job.brand_id not in viewer.brand_ids
    ):
        raise NotVisible(f"no job {job_id}")
    jobs.retry_now(session, job)
    flash(request, f"Job {job_id} will run again within seconds.")
    return _go("/automations/jobs")


SETTING_FIELDS = (
    "timezone",
    "public_url",
    "open311_url",
    "open311_api_key",
    "open311_poll_s",
    "dialer_url",
    "dialer_secret",
    "crm_url",
    "crm_secret",
    "bot_threshold",
    "messages_per_hour",
)


@router.get("/settings", response_class=HTMLResponse)
def settings_page(
    request: Request,
    session: DbSession,
    viewer: PageViewer,
    settings: AppSettings,
    brand_id: RowId | None = None,
) -> HTMLResponse:
    """Where the brand's automations call out to: the city, the dialer, the CRM."""
    _need_admin(viewer)
    brand, brands = _pick_brand(session, viewer, brand_id)
    raw = dict((brand.settings or {}).get("automations") or {})
    values = {
        "timezone": raw.get("timezone", ""),
        "public_url": raw.get("public_url", ""),
        "open311_url": (raw.get("open311") or {}).get("url", ""),
        "open311_api_key": (raw.get("open311") or {}).get("api_key", ""),
        "open311_poll_s": raw.get("open311_poll_s", ""),
        "open311_keywords": yaml.safe_dump(raw.get("open311_keywords") or {})
        if raw.get("open311_keywords")
        else "",
        "dialer_url": (raw.get("dialer") or {}).get("url", ""),
        "dialer_secret": (raw.get("dialer") or {}).get("secret", ""),
        "crm_url": (raw.get("crm_lookup") or {}).get("url", ""),
        "crm_secret": (raw.get("crm_lookup") or {}).get("secret", ""),
        "bot_threshold": raw.get("bot_threshold", ""),
        "messages_per_hour": raw.get("messages_per_hour", ""),
    }
    return _page(
        request,
        session,
        "settings.html",
        "settings",
        brand,
        brands,
        values=values,
        config=brand_config(session, brand, settings),
        global_open311=settings.open311_endpoint,
    )


@router.post("/settings", dependencies=[CsrfChecked])
async def save_settings(
    request: Request, session: DbSession, viewer: PageViewer
) -> RedirectResponse:
    """Save the brand's automation settings (empty fields fall back to the defaults)."""
    _need_admin(viewer)
    form = await request.form()
    value = {k: str(form.get(k) or "").strip() for k in (*SETTING_FIELDS, "open311_keywords")}
    brand, _ = _pick_brand(session, viewer, parse_id(form.get("brand_id")) or 0)
    try:
        keywords = yaml.safe_load(value["open311_keywords"]) if value["open311_keywords"] else None
        if keywords is not None and not isinstance(keywords, dict):
            raise ValueError("city keywords: write SERVICE_CODE: [word, word]")
        changes: dict[str, Any] = {
            "timezone": value["timezone"] or None,
            "public_url": value["public_url"] or None,
            "open311": {"url": value["open311_url"], "api_key": value["open311_api_key"]}
            if value["open311_url"]
            else None,
            "open311_poll_s": float(value["open311_poll_s"]) if value["open311_poll_s"] else None,
            "open311_keywords": keywords,
            "dialer": {"url": value["dialer_url"], "secret": value["dialer_secret"]}
            if value["dialer_url"]
            else None,
            "crm_lookup": {"url": value["crm_url"], "secret": value["crm_secret"]}
            if value["crm_url"]
            else None,
            "bot_threshold": float(value["bot_threshold"]) if value["bot_threshold"] else None,
            "messages_per_hour": parse_messages_per_hour(value["messages_per_hour"])
            if value["messages_per_hour"]
            else None,
        }
    except (ValueError, yaml.YAMLError) as exc:
        flash(request, f"Not saved: {exc}", "error")
        return _go(f"/automations/settings?brand_id={brand.id}")
    update_brand_settings(brand, changes)
    flash(request, "Automation settings saved.")
    return _go(f"/automations/settings?brand_id={brand.id}")
