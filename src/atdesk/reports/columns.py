"""Which numbers the reports pages show, how each reads, and which of them open a drill-down.

One list for the headline tiles, the breakdown tables and their CSV files, so a table and its
download always have the same columns in the same order and the same units.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Unit = Literal["count", "percent", "duration", "score", "money"]


@dataclass(frozen=True, slots=True)
class Column:
    """One number of a MetricSet: its field, heading, unit, and the cases behind it.

    `drill` names the metrics engine's drill-down (metrics.DRILL_METRICS): the cases a median
    is taken over, the cases a share counts (for SLA compliance, the cases that missed a
    target; for CSAT and NPS, the cases whose answers make them up). None: the number is not
    about cases (posts).
    """

    field: str
    label: str
    unit: Unit
    drill: str | None = None
    help: str = ""

    @property
    def csv_label(self) -> str:
        """The CSV heading, with the unit a spreadsheet needs (seconds, share 0..1)."""
        suffix = {"duration": " (seconds)", "percent": " (share 0-1)"}.get(self.unit, "")
        return self.label + suffix


TABLE_COLUMNS: tuple[Column, ...] = (
    Column("inbound", "Inbound", "count", help="customer posts received"),
    Column("cases", "Cases", "count", "cases", help="cases opened"),
    Column("answered_share", "Answered", "percent", "answered", "share of cases replied to"),
    Column("first_response_median_s", "First response (median)", "duration", "answered"),
    Column("first_response_p90_s", "First response (p90)", "duration", "answered"),
    Column("resolution_median_s", "Resolution (median)", "duration", "resolved"),
    Column("sla_compliance", "SLA met", "percent", "sla_missed", "opens the cases that missed"),
    Column("backlog", "Backlog", "count", "backlog", help="cases still open now"),
    Column("reopen_rate", "Reopened", "percent", "reopened"),
    Column("automation_rate", "Automated", "percent", "automated"),
    Column("csat", "CSAT", "percent", "csat", "share of 4-5 answers"),
    Column("nps", "NPS", "score", "nps"),
)

HEADLINE: tuple[Column, ...] = (
    Column("inbound", "Inbound posts", "count"),
    Column("cases", "Cases", "count", "cases"),
    Column("answered_share", "Answered", "percent", "answered"),
    Column("first_response_median_s", "First response, median", "duration", "answered"),
    Column("first_response_p90_s", "First response, p90", "duration", "answered"),
    Column("resolution_median_s", "Resolution, median", "duration", "resolved"),
    Column("sla_compliance", "SLA compliance", "percent", "sla_missed"),
    Column("backlog", "Backlog now", "count", "backlog"),
    Column("csat", "CSAT", "percent", "csat"),
    Column("nps", "NPS", "score", "nps"),
    Column("automation_rate", "Automation rate", "percent", "automated"),
)

# Known once costs are wired (reports/costs_seam.py): per brand, and in the overview when the
# scope is one brand. It opens the resolved cases it divides by.
COST_COLUMN = Column(
    "cost_per_resolution", "Cost per resolution", "money", "resolved", "staff cost / resolved"
)

# Extra columns the CSV carries (business-hours times, response counts): the tables stay
# readable, the download is complete.
CSV_EXTRA: tuple[Column, ...] = (
    Column("first_response_bh_median_s", "First response in business hours (median)", "duration"),
    Column("first_response_bh_p90_s", "First response in business hours (p90)", "duration"),
    Column("next_response_median_s", "Next response (median)", "duration"),
    Column("resolution_p90_s", "Resolution (p90)", "duration"),
    Column("resolution_bh_median_s", "Resolution in business hours (median)", "duration"),
    Column("backlog_age_median_s", "Backlog age (median)", "duration"),
    Column("handoff_rate", "Handed off to a person", "percent"),
    Column("csat_responses", "CSAT answers", "count"),
    Column("nps_responses", "NPS answers", "count"),
    Column("negative_share", "Negative posts", "percent"),
)

# The drill-downs by name, as their page is titled.
DRILL_TITLES: dict[str, str] = {
    "cases": "Cases opened",
    "answered": "Cases answered",
    "unanswered": "Cases not answered",
    "resolved": "Cases resolved",
    "backlog": "Cases still open (backlog)",
    "reopened": "Cases reopened",
    "automated": "Cases resolved by automation",
    "handoff": "Cases handed off to a person",
    "sla_missed": "Cases that missed an SLA target",
    "first_response": "Cases by first response time",
    "resolution": "Cases by resolution time",
    "csat": "Cases with a CSAT answer",
    "csat_satisfied": "Cases with a satisfied CSAT answer (4-5)",
    "csat_unsatisfied": "Cases with an unsatisfied CSAT answer (1-3)",
    "nps": "Cases with an NPS answer",
    "nps_promoters": "Cases with a promoter's NPS answer (9-10)",
    "nps_passives": "Cases with a passive's NPS answer (7-8)",
    "nps_detractors": "Cases with a detractor's NPS answer (0-6)",
}


def fmt(value: object, unit: Unit) -> str:
    """A number as a team lead reads it: 1,234 · 87.5% · 2h 05m · +32 · — when there is none."""
    if value is None:
        return "—"
    if not isinstance(value, int | float):
        return str(value)
    if unit == "percent":
        return f"{value * 100:.1f}%"
    if unit == "duration":
        return short_duration(float(value))
    if unit == "score":
        return f"{value:+.0f}"
    if unit == "money":
        return f"{value:,.2f}"
    return f"{value:,.0f}"


def short_duration(seconds: float) -> str:
    """Seconds as '45s', '12m', '2h 05m' or '3d 4h'."""
    total = round(seconds)
    if total < 60:
        return f"{total}s"
    minutes = round(total / 60)
    if minutes < 60:
        return f"{minutes}m"
    hours, rest = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h {rest:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h"
