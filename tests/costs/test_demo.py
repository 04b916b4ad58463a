"""`atdesk demo` shows costs from the first start: each demo brand has three months of resolved
cases with agents' handling time, bot decisions and API spend; a second run adds nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from atdesk.config import Settings
from atdesk.costs.summary import monthly_costs, resolution_costs
from atdesk.demo.setup import prepare_demo
from atdesk.keyfile import with_secret_key
from atdesk.models import AgentActivity, AuditEvent, BotDecision, Survey
from atdesk.storage.migrate import upgrade
from atdesk.storage.session import transaction

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def test_the_demo_brands_have_costs_per_resolution(tmp_path: Path, data_dir: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    upgrade(url)
    settings = with_secret_key(replace(Settings(), database_url=url, data_dir=str(data_dir)))
    said: list[str] = []
    prepare_demo(settings, replay=False, echo=said.append, live_networks=False, now=NOW)
    assert any("resolved cases with agents' handling time" in s for s in said)
    with transaction(url) as session:
        rows = session.scalar(select(func.count(AgentActivity.id)))
        costs = resolution_costs(session, brand_ids=None, since=None, until=None)
        months = monthly_costs(session, brand_ids=None, since=None, until=None)
        # Planted in place: no resolution event, so no survey goes to an invented customer
        # (the demo's survey loop plants its own surveys on other cases).
        planted = select(AgentActivity.case_id).union(select(BotDecision.case_id))
        assert session.scalar(select(func.count(Survey.id)).where(Survey.case_id.in_(planted))) == 0
        assert not session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "case.resolved", AuditEvent.entity_id.in_(planted)
            )
        ).all()
    assert len(costs) == 3 and rows
    for cost in costs.values():
        assert cost.resolved_cases >= 3 * 14
        assert 0 < cost.cases_with_activity < cost.resolved_cases  # the bot answered some alone
        assert cost.agent_cost > 0 and cost.api_spend > 0 and cost.bot_runs > 0
        assert cost.per_resolution is not None and cost.per_resolution < cost.phone_contact_cost
    assert {m.month for m in months} == {"2026-10", "2026-11", "2026-12"}

    prepare_demo(settings, replay=False, echo=lambda _: None, live_networks=False, now=NOW)
    with transaction(url) as session:
        assert session.scalar(select(func.count(AgentActivity.id))) == rows
