"""`atdesk report --out DIR`: the per-brand report as Markdown (report.md) with SVG charts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from atdesk.reports.formulas import MetricSet
from atdesk.reports.metrics import Series, breakdown, distribution, summarize, volume_series
from atdesk.reports.plots import distribution_chart, satisfaction_chart, volume_chart
from atdesk.reports.scope import ReportScope

DAILY_UP_TO_DAYS = 62
CHART_WEEKS = 26


def duration(seconds: float | None) -> str:
    """A time span a reader takes in at a glance: '45 s', '12 min', '3 h 05 min', '2 d 4 h'."""
    if seconds is None:
        return "–"
    s = round(seconds)
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min"
    if s < 86400:
        return f"{s // 3600} h {s % 3600 // 60:02d} min"
    return f"{s // 86400} d {s % 86400 // 3600} h"


def share(value: float | None) -> str:
    """A 0..1 share as a percentage with one decimal."""
    return "–" if value is None else f"{100 * value:.1f} %"


def number(value: float | None, digits: int = 1) -> str:
    """A plain number, or a dash when there is none."""
    return "–" if value is None else f"{value:.{digits}f}"


def _period(scope: ReportScope) -> str:
    low = scope.since.isoformat() if scope.since else "the first post"
    high = scope.until.isoformat() if scope.until else "the last post"
    return f"from {low} until {high} (UTC)"


def _totals(m: MetricSet) -> list[tuple[str, str]]:
    return [
        ("Inbound posts", str(m.inbound)),
        ("Cases opened", str(m.cases)),
        ("Answered", share(m.answered_share)),
        ("First response, median / p90", f"{duration(m.first_response_median_s)} / "
         f"{duration(m.first_response_p90_s)}"),
        ("First response in business hours, median / p90",
         f"{duration(m.first_response_bh_median_s)} / {duration(m.first_response_bh_p90_s)}"),
        ("Next response, median / p90", f"{duration(m.next_response_median_s)} / "
         f"{duration(m.next_response_p90_s)}"),
        ("Resolution, median / p90", f"{duration(m.resolution_median_s)} / "
         f"{duration(m.resolution_p90_s)}"),
        ("SLA compliance", share(m.sla_compliance)),
        ("Backlog (open now) / median age", f"{m.backlog} / {duration(m.backlog_age_median_s)}"),
        ("Reopen rate", share(m.reopen_rate)),
        ("Automation rate", share(m.automation_rate)),
        ("Handoff rate", share(m.handoff_rate)),
        ("CSAT (answers)", f"{share(m.csat)} ({m.csat_responses})"),
        ("NPS (answers)", f"{number(m.nps)} ({m.nps_responses})"),
        ("Sentiment (-1..1) / negative share", f"{number(m.sentiment, 2)} / "
         f"{share(m.negative_share)}"),
        ("Filtered as noise", share(m.filtered_share)),
    ]  # fmt: skip


def _brand_table(brands: Sequence[dict[str, Any]]) -> list[str]:
    lines = [
        "| Brand | Inbound | Cases | Answered | First response median | p90 | Resolution median"
        " | SLA | CSAT | NPS | Automation | Cost / resolution |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for b in brands:
        cost = b["cost_per_resolution"]
        lines.append(
            f"| {_cell(b['brand'])} | {b['inbound']} | {b['cases']} | {share(b['answered_share'])}"
            f" | {duration(b['first_response_median_s'])} | {duration(b['first_response_p90_s'])}"
            f" | {duration(b['resolution_median_s'])} | {share(b['sla_compliance'])}"
            f" | {share(b['csat'])} | {number(b['nps'])} | {share(b['automation_rate'])}"
            f" | {'–' if cost is None else f'{cost:.2f}'} |"
        )
    return lines


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def write_report(
    session: Session,
    scope: ReportScope,
    brands: Sequence[dict[str, Any]],
    out: Path,
    *,
    now: datetime,
) -> Path:
    """Write report.md and its three charts into `out` (made if missing); return report.md."""
    out.mkdir(parents=True, exist_ok=True)
    totals = summarize(session, scope, now=now)
    probe = volume_series(session, scope, by="intent", bucket="day")
    bucket: Any = "day" if len(probe.buckets) <= DAILY_UP_TO_DAYS else "week"
    series = probe if bucket == "day" else volume_series(session, scope, by="intent", bucket="week")
    title = f"Inbound posts per {bucket}, by intent"
    if bucket == "week" and len(series.buckets) > CHART_WEEKS:
        # A long history (twcs reaches back years for a few threads) would draw as a sliver:
        # the chart shows the most recent weeks, the tables cover the whole period.
        series = Series(
            series.buckets[-CHART_WEEKS:],
            {name: counts[-CHART_WEEKS:] for name, counts in series.counts.items()},
        )
        title += f" (last {CHART_WEEKS} weeks)"
    volume_chart(series, out / "volume_by_intent.svg", title=title)
    distribution_chart(
        distribution(session, scope, "first_response", business_hours=False, now=now),
        distribution(session, scope, "first_response", business_hours=True, now=now),
        out / "first_response.svg",
        title="Cases by time to first response",
    )
    periods = breakdown(session, scope, "week", now=now)
    satisfaction_chart(
        [r.key for r in periods],
        [r.metrics.csat for r in periods],
        [r.metrics.nps for r in periods],
        out / "satisfaction.svg",
        title="CSAT and NPS per week",
    )
    lines = [
        "# atdesk report",
        "",
        f"Cases opened, posts received and survey answers given {_period(scope)}; "
        f"backlog as of {now.isoformat(timespec='seconds')}. "
        "Definitions: docs/reports.md.",
        "",
        "## All brands together",
        "",
        "| Metric | Value |",
        "|---|--:|",
        *[f"| {name} | {value} |" for name, value in _totals(totals)],
        "",
        "## Per brand",
        "",
        *_brand_table(brands),
        "",
        "## Charts",
        "",
        f"![{title}](volume_by_intent.svg)",
        "",
        "![Cases by time to first response](first_response.svg)",
        "",
        "![CSAT and NPS per week](satisfaction.svg)",
        "",
    ]
    path = out / "report.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
