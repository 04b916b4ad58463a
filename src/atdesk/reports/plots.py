"""The report's charts as SVG files, drawn by matplotlib on its Agg backend (no display)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from atdesk.reports.metrics import Bucket, Series

MAX_STACKED = 8  # intents beyond the biggest ones are drawn together as "other"
SIZE = (9.0, 4.0)


def _save(fig: Figure, path: Path) -> Path:
    # A fixed hash salt and no date keep the SVG identical for identical numbers.
    fig.savefig(path, format="svg", metadata={"Date": None}, bbox_inches="tight")
    plt.close(fig)
    return path


def _empty(fig: Figure, message: str) -> None:
    ax = fig.add_subplot()
    ax.axis("off")
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=12, color="#555555")


def volume_chart(series: Series, path: Path, *, title: str) -> Path:
    """Inbound posts per bucket, stacked by intent (the biggest ones, the rest as 'other')."""
    plt.rcParams["svg.hashsalt"] = "atdesk"
    fig = plt.figure(figsize=SIZE)
    if not series.buckets:
        _empty(fig, "No inbound posts in this period")
        return _save(fig, path)
    ranked = sorted(series.counts.items(), key=lambda kv: (-sum(kv[1]), kv[0]))
    shown = ranked[:MAX_STACKED]
    rest = ranked[MAX_STACKED:]
    if rest:
        other = [sum(values[i] for _, values in rest) for i in range(len(series.buckets))]
        shown.append(("all other intents", other))
    ax = fig.add_subplot()
    positions = list(range(len(series.buckets)))
    bottom = [0] * len(series.buckets)
    for name, values in shown:
        ax.bar(positions, values, bottom=bottom, label=name, width=0.85)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    step = max(1, len(positions) // 12)
    ax.set_xticks(positions[::step], series.buckets[::step], rotation=45, ha="right")
    ax.set_ylabel("inbound posts")
    ax.set_title(title)
    ax.legend(fontsize=8, ncols=2, frameon=False, loc="upper left")
    return _save(fig, path)


def distribution_chart(
    wall: Sequence[Bucket], business: Sequence[Bucket], path: Path, *, title: str
) -> Path:
    """Cases per first-response time bucket, wall-clock and business hours side by side."""
    plt.rcParams["svg.hashsalt"] = "atdesk"
    fig = plt.figure(figsize=SIZE)
    if not any(b.cases for b in wall):
        _empty(fig, "No answered cases in this period")
        return _save(fig, path)
    ax = fig.add_subplot()
    positions = list(range(len(wall)))
    ax.bar([p - 0.2 for p in positions], [b.cases for b in wall], width=0.4, label="wall time")
    ax.bar(
        [p + 0.2 for p in positions],
        [b.cases for b in business],
        width=0.4,
        label="business hours",
    )
    ax.set_xticks(positions, [b.label for b in wall])
    ax.set_ylabel("cases")
    ax.set_title(title)
    ax.legend(frameon=False, loc="upper right")
    return _save(fig, path)


def satisfaction_chart(
    labels: Sequence[str],
    csat: Sequence[float | None],
    nps: Sequence[float | None],
    path: Path,
    *,
    title: str,
) -> Path:
    """CSAT (% of 4-5 answers) and NPS (-100..100) per period; gaps where nobody answered."""
    plt.rcParams["svg.hashsalt"] = "atdesk"
    fig = plt.figure(figsize=SIZE)
    if all(v is None for v in [*csat, *nps]):
        _empty(fig, "No survey answers in this period")
        return _save(fig, path)
    ax = fig.add_subplot()
    positions = list(range(len(labels)))
    csat_pct = [float("nan") if v is None else 100 * v for v in csat]
    nps_vals = [float("nan") if v is None else v for v in nps]
    ax.plot(positions, csat_pct, marker="o", label="CSAT (% 4-5)")
    ax.plot(positions, nps_vals, marker="s", label="NPS")
    ax.axhline(0, color="#999999", linewidth=0.8)
    ax.set_ylim(-100, 100)
    step = max(1, len(positions) // 12)
    ax.set_xticks(positions[::step], list(labels)[::step], rotation=45, ha="right")
    ax.set_title(title)
    ax.legend(frameon=False, loc="lower left")
    return _save(fig, path)
