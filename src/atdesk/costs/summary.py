"""Cost per resolution, per brand and per month: the figures reports and the costs page show.

A resolved case costs its agents' handling time (activity before it was resolved) at the
brand's hourly cost, plus the network API spend recorded for it (calls made for the case and
the reads of the posts it holds, ADR 62), plus each bot decision and automation rule run on it
at the brand's cost per run. A case counts in the month (UTC) and period of its resolution;
cases opened by a history ingest (ADR 73) are left out: nobody worked them here. The brand's
current settings price every period, so changing a rate restates the past (ADR 94).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import NamedTuple

from sqlalchemy import Select, Subquery, func, select
from sqlalchemy.orm import Session

from atdesk.costs.money import from_micros, hours_cost_micros, to_micros
from atdesk.costs.settings import CostSettings, cost_settings
from atdesk.domain.cases import CaseStatus
from atdesk.models import (
    AgentActivity,
    ApiCallRecord,
    ApiCharge,
    BotDecision,
    Brand,
    Case,
    Post,
    RuleRun,
)


@dataclass(frozen=True, slots=True)
class BrandCost:
    """What resolving a brand's cases cost over a period, and how that compares with a call."""

    resolved_cases: int
    handling_seconds: float
    agent_cost: Decimal
    api_spend: Decimal
    bot_runs: int
    bot_cost: Decimal
    total: Decimal
    per_resolution: Decimal | None
    phone_contact_cost: Decimal
    currency: str
    cases_with_activity: int = 0

    @property
    def times_cheaper(self) -> float | None:
        """How many times less a resolution costs than a phone contact (None without data)."""
        if self.per_resolution is None or self.per_resolution <= 0:
            return None
        return float(self.phone_contact_cost / self.per_resolution)


class MonthCost(NamedTuple):
    """One brand's costs for one calendar month (UTC) of resolutions; unpacks as
    (brand_id, month, cost)."""

    brand_id: int
    month: str
    cost: BrandCost


@dataclass(slots=True)
class _CaseFacts:
    brand_id: int
    month: str
    seconds: float = 0.0
    api_micros: int = 0
    runs: int = 0


@dataclass(slots=True)
class _Tally:
    cases: int = 0
    with_activity: int = 0
    seconds: float = 0.0
    api_micros: int = 0
    runs: int = 0

    def add(self, facts: _CaseFacts) -> None:
        self.cases += 1
        self.with_activity += 1 if facts.seconds > 0 else 0
        self.seconds += facts.seconds
        self.api_micros += facts.api_micros
        self.runs += facts.runs


def resolution_costs(
    session: Session,
    *,
    brand_ids: Collection[int] | None,
    since: datetime | None,
    until: datetime | None,
) -> dict[int, BrandCost]:
    """Per brand (every brand in `brand_ids`, or every brand), what its resolutions in
    [since, until) cost; brands with no resolution have per_resolution None."""
    brands = _brands(session, brand_ids)
    tallies: dict[int, _Tally] = {b.id: _Tally() for b in brands}
    for facts in _facts(session, brand_ids, since, until).values():
        tallies.setdefault(facts.brand_id, _Tally()).add(facts)
    settings = {b.id: cost_settings(b) for b in brands}
    return {
        brand_id: _priced(tally, settings.get(brand_id, CostSettings()))
        for brand_id, tally in sorted(tallies.items())
    }


def monthly_costs(
    session: Session,
    *,
    brand_ids: Collection[int] | None,
    since: datetime | None,
    until: datetime | None,
) -> list[MonthCost]:
    """Per brand and month of resolution (UTC, 'YYYY-MM'), only months with resolutions;
    ordered by brand, then month."""
    tallies: dict[tuple[int, str], _Tally] = defaultdict(_Tally)
    for facts in _facts(session, brand_ids, since, until, months=True).values():
        tallies[(facts.brand_id, facts.month)].add(facts)
    settings = {b.id: cost_settings(b) for b in _brands(session, brand_ids)}
    return [
        MonthCost(brand_id, month, _priced(tally, settings.get(brand_id, CostSettings())))
        for (brand_id, month), tally in sorted(tallies.items())
    ]


def _brands(session: Session, brand_ids: Collection[int] | None) -> list[Brand]:
    query = select(Brand).order_by(Brand.id)
    if brand_ids is not None:
        query = query.where(Brand.id.in_(sorted(brand_ids) or [-1]))
    return list(session.scalars(query))


def _resolved(
    brand_ids: Collection[int] | None, since: datetime | None, until: datetime | None
) -> Select[int, int, datetime | None]:
    query = select(Case.id, Case.brand_id, Case.resolved_at).where(
        Case.status == CaseStatus.RESOLVED.value,
        Case.resolved_at.is_not(None),
        Case.history.is_(False),
    )
    if brand_ids is not None:
        query = query.where(Case.brand_id.in_(sorted(brand_ids) or [-1]))
    if since is not None:
        query = query.where(Case.resolved_at >= since)
    if until is not None:
        query = query.where(Case.resolved_at < until)
    return query


def _facts(
    session: Session,
    brand_ids: Collection[int] | None,
    since: datetime | None,
    until: datetime | None,
    *,
    months: bool = False,
) -> dict[int, _CaseFacts]:
    """Every resolved case in scope with its handling seconds, API micros and runs (and the
    month of its resolution only when asked: reading the moment is most of a brand total's
    time at tens of thousands of cases)."""
    query = _resolved(brand_ids, since, until)
    if months:
        facts = {
            case_id: _CaseFacts(brand_id, resolved_at.strftime("%Y-%m"))
            for case_id, brand_id, resolved_at in session.execute(query)
            if resolved_at is not None
        }
    else:
        ids = query.with_only_columns(Case.id, Case.brand_id)
        facts = {case_id: _CaseFacts(brand_id, "") for case_id, brand_id in session.execute(ids)}
    if facts:
        scope = query.subquery()
        _add_activity(session, facts, scope)
        _add_api(session, facts, scope)
        _add_runs(session, facts, scope)
    return facts


def _add_activity(session: Session, facts: dict[int, _CaseFacts], scope: Subquery) -> None:
    """Handling seconds: the intervals that began before the case was resolved."""
    sub = scope  # the resolved cases: id, brand_id, resolved_at
    query = (
        select(AgentActivity.case_id, func.sum(AgentActivity.seconds))
        .join(sub, sub.c.id == AgentActivity.case_id)
        .where(AgentActivity.started_at < sub.c.resolved_at)
        .group_by(AgentActivity.case_id)
    )
    for case_id, seconds in session.execute(query):
        if case_id in facts:
            facts[case_id].seconds += float(seconds or 0.0)


def _add_api(session: Session, facts: dict[int, _CaseFacts], scope: Subquery) -> None:
    """API spend: calls made for the case, plus reads of the posts it holds (ADR 62)."""
    sub = scope
    direct = (
        select(ApiCallRecord.case_id, func.sum(ApiCallRecord.cost_micros))
        .join(sub, sub.c.id == ApiCallRecord.case_id)
        .group_by(ApiCallRecord.case_id)
    )
    reads = (
        select(Post.case_id, func.sum(ApiCharge.cost_micros))
        .select_from(ApiCharge)
        .join(Post, (Post.network == ApiCharge.network) & (Post.native_id == ApiCharge.native_id))
        .join(sub, sub.c.id == Post.case_id)
        .group_by(Post.case_id)
    )
    for query in (direct, reads):
        for case_id, micros in session.execute(query):
            if case_id in facts:
                facts[case_id].api_micros += int(micros or 0)


def _add_runs(session: Session, facts: dict[int, _CaseFacts], scope: Subquery) -> None:
    """Bot decisions (answered or handed over) and automation rule runs on the case."""
    sub = scope
    queries: Iterable[Select[int | None, int]] = (
        select(BotDecision.case_id, func.count(BotDecision.id))
        .join(sub, sub.c.id == BotDecision.case_id)
        .group_by(BotDecision.case_id),
        select(RuleRun.case_id, func.count(RuleRun.id))
        .join(sub, sub.c.id == RuleRun.case_id)
        .group_by(RuleRun.case_id),
    )
    for query in queries:
        for case_id, runs in session.execute(query):
            if case_id is not None and case_id in facts:
                facts[case_id].runs += int(runs or 0)


def _priced(tally: _Tally, settings: CostSettings) -> BrandCost:
    agent = hours_cost_micros(tally.seconds, settings.hourly_cost)
    bots = tally.runs * to_micros(settings.bot_run_cost)
    total = agent + tally.api_micros + bots
    return BrandCost(
        resolved_cases=tally.cases,
        handling_seconds=round(tally.seconds, 3),
        agent_cost=from_micros(agent),
        api_spend=from_micros(tally.api_micros),
        bot_runs=tally.runs,
        bot_cost=from_micros(bots),
        total=from_micros(total),
        per_resolution=from_micros(_share(total, tally.cases)) if tally.cases else None,
        phone_contact_cost=settings.phone_contact_cost,
        currency=settings.currency,
        cases_with_activity=tally.with_activity,
    )


def _share(micros: int, cases: int) -> int:
    """An even share of `micros` per case, exact in integers, half-even at the last micro."""
    return int((Decimal(micros) / cases).to_integral_value(rounding=ROUND_HALF_EVEN))
