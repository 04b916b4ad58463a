"""REST API for automation rules (SPEC.md §7): list, edit, dry run, YAML export and import;
every call is limited to the caller's brands."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse
from sqlalchemy.orm import Session

from atdesk.accounts.access import NotVisible
from atdesk.accounts.deps import ApiViewer, Viewer
from atdesk.automations.engine.deps import (
    AppSettings,
    require_admin,
    require_visible,
    viewed_brand,
)
from atdesk.automations.engine.dryrun import dry_run
from atdesk.automations.engine.queries import export_yaml, rule_out, rule_rows
from atdesk.automations.engine.schemas import (
    DryRunIn,
    DryRunRowOut,
    RuleIn,
    RuleOut,
    RulesImportIn,
    RulesImportOut,
)
from atdesk.automations.engine.service import (
    create_rule,
    delete_rule,
    import_rules,
    parse_spec,
    parse_yaml,
    update_rule,
)
from atdesk.domain.ids import RowId
from atdesk.models import (
    AutomationRule,
)
from atdesk.models.base import utcnow
from atdesk.ui.deps import DbSession

router = APIRouter(prefix="/api/v1", tags=["automations"])


@router.get("/rules")
def get_rules(session: DbSession, viewer: ApiViewer, brand_id: RowId) -> list[RuleOut]:
    """A brand's rules in the order they run."""
    viewed_brand(session, viewer, brand_id)
    return [rule_out(r) for r in rule_rows(session, brand_id)]


@router.post("/rules", status_code=201)
def post_rule(session: DbSession, viewer: ApiViewer, brand_id: RowId, body: RuleIn) -> RuleOut:
    """Add a rule at the end of the brand's list (admins)."""
    require_admin(viewer)
    brand = viewed_brand(session, viewer, brand_id)
    row = create_rule(session, brand, parse_spec(body.model_dump()), actor=viewer.user)
    return rule_out(row)


def _rule(session: Session, viewer: Viewer, rule_id: int) -> AutomationRule:
    row = session.get(AutomationRule, rule_id)
    if row is None:
        raise NotVisible(f"no rule {rule_id}")
    require_visible(viewer, row.brand_id, f"rule {rule_id}")
    return row


@router.put("/rules/{rule_id}")
def put_rule(session: DbSession, viewer: ApiViewer, rule_id: RowId, body: RuleIn) -> RuleOut:
    """Replace a rule (admins); what it already did stays in its history."""
    require_admin(viewer)
    row = _rule(session, viewer, rule_id)
    update_rule(session, row, parse_spec(body.model_dump()), actor=viewer.user)
    return rule_out(row)


@router.delete("/rules/{rule_id}", status_code=204)
def remove_rule(session: DbSession, viewer: ApiViewer, rule_id: RowId) -> None:
    """Delete a rule (admins)."""
    require_admin(viewer)
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
    brand = viewed_brand(session, viewer, brand_id)
    if rule_id is not None and _rule(session, viewer, rule_id).brand_id != brand.id:
        raise NotVisible(f"no rule {rule_id} of brand {brand.id}")
    spec = parse_spec(body.model_dump(exclude={"limit"}))
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
    return export_yaml(session, viewed_brand(session, viewer, brand_id))


@router.post("/rules/import")
def post_rules_yaml(
    session: DbSession, viewer: ApiViewer, brand_id: RowId, body: RulesImportIn
) -> RulesImportOut:
    """Make the brand's rules exactly those of a YAML file (admins)."""
    require_admin(viewer)
    brand = viewed_brand(session, viewer, brand_id)
    created, updated, deleted = import_rules(
        session, brand, parse_yaml(body.yaml).rules, actor=viewer.user
    )
    return RulesImportOut(created=created, updated=updated, deleted=deleted)
