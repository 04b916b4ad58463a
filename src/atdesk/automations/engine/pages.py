"""Staff pages for automation rules (edit, form, dry run, YAML export and import) and the
brand's automation settings."""

from __future__ import annotations

from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse
from sqlalchemy.orm import Session

from atdesk.accounts.access import NotVisible
from atdesk.accounts.deps import PageViewer, Viewer
from atdesk.accounts.queries import teams_by_name
from atdesk.automations.engine.deps import AppSettings, automation_page, need_admin, pick_brand
from atdesk.automations.engine.dryrun import DEFAULT_LIMIT, DryRunRow, dry_run
from atdesk.automations.engine.form import (
    CONDITION_BY_NAME,
    CONDITIONS,
    RuleForm,
    action_by_type,
    action_kinds,
    check_form,
    edit_rows,
    error_list,
    form_of_spec,
    read_form,
)
from atdesk.automations.engine.queries import (
    export_yaml,
    rule_document,
    rule_index,
    rule_rows,
    run_counts,
    spec_of,
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
    import_rules,
    install_defaults,
    move_rule,
    parse_spec,
    parse_yaml,
    place_rule,
    update_rule,
)
from atdesk.automations.engine.settings import (
    brand_config,
    parse_messages_per_hour,
    update_brand_settings,
)
from atdesk.domain.ids import RowId, parse_id
from atdesk.models import (
    AutomationRule,
    Brand,
)
from atdesk.models.base import utcnow
from atdesk.ui.deps import CsrfChecked, DbSession, PageForm
from atdesk.ui.forms import see_other
from atdesk.ui.templating import flash, render

router = APIRouter(prefix="/automations", include_in_schema=False)


NEW_RULE = """name: My new rule
enabled: true
stop: false
when:
  intent: [question]
then:
  - type: tag
    tags: [faq]
"""


@router.get("", response_class=HTMLResponse)
def home(_viewer: PageViewer) -> RedirectResponse:
    """The automations area starts at the rules."""
    return see_other("/automations/rules")


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
    brand, brands = pick_brand(session, viewer, brand_id)
    if viewer.is_admin:
        install_defaults(session, brand, actor=viewer.user)
    rows = rule_rows(session, brand.id)
    runs = run_counts(session, [r.id for r in rows])
    return automation_page(
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
    brand, brands = pick_brand(session, viewer, row.brand_id if row else brand_id)
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
    brand, brands = pick_brand(session, viewer, row.brand_id if row else brand_id)
    try:
        spec = _yaml_spec(text)
    except (yaml.YAMLError, RuleError) as exc:
        return _edit(request, session, brand, brands, row, text, None, str(exc), 422)
    if do == "save":
        need_admin(viewer)
        try:
            if row is None:
                row = create_rule(session, brand, spec, actor=viewer.user)
            else:
                update_rule(session, row, spec, actor=viewer.user)
        except RuleError as exc:
            return _edit(request, session, brand, brands, row, text, None, str(exc), 422)
        flash(request, f"Rule “{spec.name}” saved.")
        return see_other(f"/automations/rules?brand_id={brand.id}")
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
    brand, brands = pick_brand(session, viewer, row.brand_id if row else brand_id)
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
        need_admin(viewer)
    row = _rule_or_none(session, _form_int(fields.get("rule_id")))
    brand, brands = pick_brand(
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
        return see_other(f"/automations/rules?brand_id={brand.id}")
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
            "actions": action_kinds(),
            "action_by_type": action_by_type(),
            "teams": [team.name for team in teams_by_name(session)],
            "default_min_confidence": DEFAULT_MIN_CONFIDENCE,
        },
        422 if errors else 200,
        session=session,
    )


def _rule_of(session: Session, viewer: Viewer, rule_id: int) -> AutomationRule:
    need_admin(viewer)
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
    return see_other(f"/automations/rules?brand_id={row.brand_id}")


@router.post("/rules/{rule_id}/toggle", dependencies=[CsrfChecked])
def toggle_rule(rule_id: RowId, session: DbSession, viewer: PageViewer) -> RedirectResponse:
    """Switch a rule on or off."""
    row = _rule_of(session, viewer, rule_id)
    spec = spec_of(row).model_copy(update={"enabled": not row.enabled})
    update_rule(session, row, spec, actor=viewer.user)
    return see_other(f"/automations/rules?brand_id={row.brand_id}")


@router.post("/rules/{rule_id}/delete", dependencies=[CsrfChecked])
def delete_rule_page(
    request: Request, rule_id: RowId, session: DbSession, viewer: PageViewer
) -> RedirectResponse:
    """Delete a rule."""
    row = _rule_of(session, viewer, rule_id)
    brand_id, name = row.brand_id, row.name
    delete_rule(session, row, actor=viewer.user)
    flash(request, f"Rule “{name}” deleted.")
    return see_other(f"/automations/rules?brand_id={brand_id}")


@router.get("/rules/export", response_class=PlainTextResponse)
def export_rules(session: DbSession, viewer: PageViewer, brand_id: RowId) -> PlainTextResponse:
    """The brand's rules as a YAML file."""
    brand, _ = pick_brand(session, viewer, brand_id)
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
    need_admin(viewer)
    brand, _ = pick_brand(session, viewer, brand_id)
    try:
        created, updated, deleted = import_rules(
            session, brand, parse_yaml(text).rules, actor=viewer.user
        )
    except RuleError as exc:
        flash(request, f"Import refused: {exc}", "error")
        return see_other(f"/automations/rules?brand_id={brand.id}")
    flash(request, f"Imported: {created} new, {updated} changed, {deleted} removed.")
    return see_other(f"/automations/rules?brand_id={brand.id}")


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
    need_admin(viewer)
    brand, brands = pick_brand(session, viewer, brand_id)
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
    return automation_page(
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
    need_admin(viewer)
    form = await request.form()
    value = {k: str(form.get(k) or "").strip() for k in (*SETTING_FIELDS, "open311_keywords")}
    brand, _ = pick_brand(session, viewer, parse_id(form.get("brand_id")) or 0)
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
        return see_other(f"/automations/settings?brand_id={brand.id}")
    update_brand_settings(brand, changes)
    flash(request, "Automation settings saved.")
    return see_other(f"/automations/settings?brand_id={brand.id}")
