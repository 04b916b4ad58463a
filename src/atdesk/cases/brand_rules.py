"""A brand's case rules: executives to watch, what makes a case sensitive or high risk, safe
public contacts."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import update
from sqlalchemy.orm import Session

from atdesk.audit import service as audit
from atdesk.cases.risk import DEFAULT_RISK_THRESHOLD
from atdesk.domain.errors import AppError
from atdesk.domain.handles import handle_key
from atdesk.domain.triage import Intent
from atdesk.models import Brand, Case, User

RULE_KEYS = (
    "watched_handles",
    "sensitive_keywords",
    "approval_intents",
    "high_reach_followers",
    "public_contacts",
    "risk_threshold",
)


class BrandRuleError(AppError):
    """A rule that cannot be saved as written."""


def _items(raw: str) -> list[str]:
    return [part.strip() for part in raw.replace("\n", ",").split(",") if part.strip()]


def update_rules(
    session: Session,
    brand: Brand,
    *,
    watched_handles: str,
    sensitive_keywords: str,
    approval_intents: Iterable[str],
    high_reach_followers: str,
    public_contacts: str,
    actor: User,
    risk_threshold: str = "",
) -> None:
    """Save the rules from their text form (comma or line separated), audited."""
    intents = sorted(set(approval_intents))
    known = {i.value for i in Intent}
    if any(i not in known for i in intents):
        raise BrandRuleError(f"unknown intent in {intents}")
    threshold = high_reach_followers.strip() or "10000"
    if not threshold.isdigit():
        raise BrandRuleError("high-reach followers must be a whole number, like 10000")
    risk = risk_threshold.strip() or str(DEFAULT_RISK_THRESHOLD)
    if not risk.isdigit() or not 1 <= int(risk) <= 100:
        raise BrandRuleError("the escalation risk threshold must be a whole number from 1 to 100")
    settings = dict(brand.settings or {})
    before = {k: settings.get(k) for k in RULE_KEYS}
    settings.update(
        watched_handles=[handle_key(h) for h in _items(watched_handles)],
        sensitive_keywords=[k.lower() for k in _items(sensitive_keywords)],
        approval_intents=intents,
        high_reach_followers=int(threshold),
        public_contacts=_items(public_contacts),
        risk_threshold=int(risk),
    )
    brand.settings = settings
    audit.record(
        session,
        entity_type="brand",
        entity_id=brand.id,
        action="brand.rules",
        actor=actor,
        before=before,
        after={k: settings.get(k) for k in RULE_KEYS},
    )
    # A new threshold applies to the brand's cases now: the scores stay, the queue follows.
    session.execute(
        update(Case)
        .where(Case.brand_id == brand.id)
        .values(risk_high=Case.risk_score >= int(risk))
        .execution_options(synchronize_session="fetch")
    )
    session.flush()
