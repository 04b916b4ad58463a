"""Reading automation rules and the brands a viewer may pick, limited to their brands."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from atdesk.automations.engine.evaluation import LoadedRule
from atdesk.automations.engine.rules import RuleSpec
from atdesk.automations.engine.schemas import RuleOut
from atdesk.models import (
    AutomationRule,
    Brand,
    RuleRun,
)


def rule_out(row: AutomationRule) -> RuleOut:
    """The API view of a rule."""
    spec = spec_of(row)
    return RuleOut(
        id=row.id,
        brand_id=row.brand_id,
        position=row.position,
        name=row.name,
        enabled=row.enabled,
        stop=row.stop,
        min_confidence=spec.min_confidence,
        confidence_floor=spec.confidence_floor,
        when=spec.when.given(),
        then=spec.actions_json(),
        default_key=row.default_key,
        updated_at=row.updated_at,
    )


def spec_of(row: AutomationRule) -> RuleSpec:
    """The validated spec of a stored rule."""
    return RuleSpec.model_validate(
        {
            "name": row.name,
            "enabled": row.enabled,
            "stop": row.stop,
            "min_confidence": row.min_confidence,
            "when": row.conditions,
            "then": row.actions,
        }
    )


def rule_rows(session: Session, brand_id: int) -> list[AutomationRule]:
    """A brand's rules in the order they run."""
    return list(
        session.scalars(
            select(AutomationRule)
            .where(AutomationRule.brand_id == brand_id)
            .order_by(AutomationRule.position, AutomationRule.id)
        )
    )


def loaded_rules(session: Session, brand_id: int) -> list[LoadedRule]:
    """A brand's rules, validated, for the engine (a rule that no longer validates is skipped)."""
    out = []
    for row in rule_rows(session, brand_id):
        try:
            out.append(LoadedRule(row.id, row.position, spec_of(row)))
        except ValidationError:
            continue
    return out


def rule_index(session: Session, row: AutomationRule) -> int:
    """Where a rule stands in its brand's order (0 runs first)."""
    return [r.id for r in rule_rows(session, row.brand_id)].index(row.id)


def export_yaml(session: Session, brand: Brand) -> str:
    """The brand's rules as a YAML document that `import_yaml` reads back unchanged."""
    document = {
        "brand": brand.name,
        "rules": [rule_document(spec_of(row)) for row in rule_rows(session, brand.id)],
    }
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)


def rule_document(spec: RuleSpec) -> dict[str, Any]:
    """One rule as it is written in YAML: the file's key order, only the conditions given
    (and `min_confidence` only when the rule sets its own)."""
    document: dict[str, Any] = {"name": spec.name, "enabled": spec.enabled, "stop": spec.stop}
    if spec.min_confidence is not None:
        document["min_confidence"] = spec.min_confidence
    return {**document, "when": spec.when.given(), "then": spec.actions_json()}


def run_counts(session: Session, rule_ids: Sequence[int]) -> dict[int, int]:
    """How many times each rule has run, by rule id."""
    return {
        rule_id: int(count)
        for rule_id, count in session.execute(
            select(RuleRun.rule_id, func.count())
            .where(RuleRun.rule_id.in_(list(rule_ids) or [-1]))
            .group_by(RuleRun.rule_id)
        )
    }
