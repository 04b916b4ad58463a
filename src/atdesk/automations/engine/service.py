"""Changing a brand's rules: create, change, order, delete, install the defaults, import YAML."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from atdesk.audit import service as audit
from atdesk.automations.engine.defaults import DEFAULT_RULES
from atdesk.automations.engine.queries import (
    rule_index,
    rule_rows,
)
from atdesk.automations.engine.rules import RuleSet, RuleSpec
from atdesk.automations.engine.settings import SETTINGS_KEY
from atdesk.domain.errors import AppError
from atdesk.models import AutomationRule, Brand, User


class RuleError(AppError):
    """A rule (or a rules file) that cannot be saved, with what to fix."""


def readable_errors(exc: ValidationError) -> str:
    """Pydantic's errors as one line per problem, with where it is."""
    lines = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"]) or "rule"
        lines.append(f"{where}: {error['msg']}")
    return "; ".join(lines)


def parse_spec(data: dict[str, Any]) -> RuleSpec:
    """Validate a rule given as plain data (form, API or YAML)."""
    try:
        return RuleSpec.model_validate(data)
    except ValidationError as exc:
        raise RuleError(readable_errors(exc)) from None


def _apply(row: AutomationRule, spec: RuleSpec) -> None:
    row.name = spec.name
    row.enabled = spec.enabled
    row.stop = spec.stop
    row.min_confidence = spec.min_confidence
    row.conditions = spec.when.given()
    row.actions = spec.actions_json()


def _audit(
    session: Session,
    row: AutomationRule,
    action: str,
    actor: User | str,
    before: dict[str, Any] | None = None,
) -> None:
    audit.record(
        session,
        entity_type="automation_rule",
        entity_id=row.id,
        action=action,
        actor=actor,
        before=before or {},
        after=_snapshot(row) if action != "rule.deleted" else {},
    )


def _snapshot(row: AutomationRule) -> dict[str, Any]:
    return {
        "brand_id": row.brand_id,
        "name": row.name,
        "position": row.position,
        "enabled": row.enabled,
        "stop": row.stop,
        "min_confidence": row.min_confidence,
        "conditions": row.conditions,
        "actions": row.actions,
    }


def _name_taken(session: Session, brand_id: int, name: str, except_id: int | None) -> bool:
    query = select(AutomationRule.id).where(
        AutomationRule.brand_id == brand_id, AutomationRule.name == name
    )
    if except_id is not None:
        query = query.where(AutomationRule.id != except_id)
    return session.scalar(query) is not None


def create_rule(
    session: Session,
    brand: Brand,
    spec: RuleSpec,
    *,
    actor: User | str,
    position: int | None = None,
    default_key: str | None = None,
) -> AutomationRule:
    """Add a rule at the end (or at `position`)."""
    if _name_taken(session, brand.id, spec.name, None):
        raise RuleError(f"{brand.name} already has a rule named {spec.name!r}; choose another name")
    if position is None:
        last = session.scalar(
            select(func.max(AutomationRule.position)).where(AutomationRule.brand_id == brand.id)
        )
        position = 0 if last is None else int(last) + 10
    row = AutomationRule(brand_id=brand.id, position=position, default_key=default_key)
    _apply(row, spec)
    session.add(row)
    session.flush()
    _audit(session, row, "rule.created", actor)
    return row


def update_rule(
    session: Session, row: AutomationRule, spec: RuleSpec, *, actor: User | str
) -> AutomationRule:
    """Change a rule; its history (which posts it acted on) stays with its id."""
    if _name_taken(session, row.brand_id, spec.name, row.id):
        raise RuleError(f"another rule is named {spec.name!r}; choose another name")
    before = _snapshot(row)
    _apply(row, spec)
    session.flush()
    if _snapshot(row) != before:
        _audit(session, row, "rule.updated", actor, before)
    return row


def delete_rule(session: Session, row: AutomationRule, *, actor: User | str) -> None:
    """Remove a rule (disable it instead to keep it for later)."""
    _audit(session, row, "rule.deleted", actor, _snapshot(row))
    session.delete(row)
    session.flush()


def move_rule(session: Session, row: AutomationRule, offset: int, *, actor: User | str) -> None:
    """Move a rule up (-1) or down (+1) in its brand's order."""
    place_rule(session, row, rule_index(session, row) + offset, actor=actor)


def place_rule(session: Session, row: AutomationRule, target: int, *, actor: User | str) -> None:
    """Put a rule at `target` in its brand's order (0 runs first); the others keep theirs."""
    rows = rule_rows(session, row.brand_id)
    index = [r.id for r in rows].index(row.id)
    target = max(0, min(len(rows) - 1, target))
    if target == index:
        return
    rows.insert(target, rows.pop(index))
    for i, r in enumerate(rows):
        r.position = i * 10
    session.flush()
    _audit(session, row, "rule.moved", actor)


def install_defaults(session: Session, brand: Brand, *, actor: User | str = "system") -> int:
    """Give a brand the default rules once; a brand whose admins removed them stays as it is."""
    settings = dict(brand.settings or {})
    state = dict(settings.get(SETTINGS_KEY) or {})
    if state.get("defaults_installed"):
        return 0
    added = 0
    for key, spec in DEFAULT_RULES:
        if not _name_taken(session, brand.id, spec.name, None):
            create_rule(session, brand, spec, actor=actor, default_key=key)
            added += 1
    state["defaults_installed"] = True
    settings[SETTINGS_KEY] = state
    brand.settings = settings
    session.flush()
    return added


def parse_yaml(text: str) -> RuleSet:
    """Read and validate a rules file; every problem is reported with where it is."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RuleError(f"not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise RuleError("a rules file is a mapping with 'brand' and 'rules'")
    try:
        return RuleSet.model_validate(data)
    except ValidationError as exc:
        raise RuleError(readable_errors(exc)) from None


def import_rules(
    session: Session, brand: Brand, rules: Sequence[RuleSpec], *, actor: User | str
) -> tuple[int, int, int]:
    """Make the brand's rules exactly these, in this order; rules keep their id by name.

    Returns (created, updated, deleted).
    """
    existing = {row.name: row for row in rule_rows(session, brand.id)}
    created = updated = 0
    wanted = {spec.name for spec in rules}
    deleted = 0
    for name, row in list(existing.items()):
        if name not in wanted:
            delete_rule(session, row, actor=actor)
            deleted += 1
    for index, spec in enumerate(rules):
        row_or_none = existing.get(spec.name)
        if row_or_none is None:
            create_rule(session, brand, spec, actor=actor, position=index * 10)
            created += 1
        else:
            before = _snapshot(row_or_none)
            row_or_none.position = index * 10
            update_rule(session, row_or_none, spec, actor=actor)
            if _snapshot(row_or_none) != before:
                updated += 1
    state = dict((brand.settings or {}).get(SETTINGS_KEY) or {})
    if not state.get("defaults_installed"):
        brand.settings = {
            **(brand.settings or {}),
            SETTINGS_KEY: {**state, "defaults_installed": True},
        }
    session.flush()
    return created, updated, deleted
