"""`atdesk report` (SPEC §5): per-brand metrics as JSON, a table, or Markdown with charts."""

from __future__ import annotations

import json
from pathlib import Path

import click
from sqlalchemy import select

from atdesk.clicontext import parse_moment, ready_database
from atdesk.models import Brand
from atdesk.models.base import utcnow
from atdesk.reports.brand_report import brand_reports
from atdesk.reports.document import duration, share, write_report
from atdesk.reports.facts import refresh
from atdesk.reports.scope import ReportScope
from atdesk.storage.session import transaction


@click.command("report")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list, one object per brand.")
@click.option("--brand", "brand_name", help="Only this brand (by name).")
@click.option("--since", help="Cases opened, posts and answers from this ISO date/time (UTC).")
@click.option("--until", help="... and before this ISO date/time (UTC).")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write report.md and SVG charts into this directory.",
)
@click.option("--rebuild", is_flag=True, help="Recompute every case's facts first.")
@click.pass_context
def report(
    ctx: click.Context,
    as_json: bool,
    brand_name: str | None,
    since: str | None,
    until: str | None,
    out: Path | None,
    rebuild: bool,
) -> None:
    """Volume, response and resolution times, SLA, CSAT/NPS and automation, per brand."""
    low = parse_moment(since, "--since") if since else None
    high = parse_moment(until, "--until") if until else None
    if low and high and low >= high:
        raise click.BadParameter("--since must be before --until", param_hint="--since")
    settings = ready_database(ctx)
    brand_ids: tuple[int, ...] | None = None
    if brand_name is not None:
        with transaction(settings.database_url) as session:
            brand_id = session.scalar(select(Brand.id).where(Brand.name == brand_name))
        if brand_id is None:
            raise click.ClickException(
                f"no brand named {brand_name!r}; `atdesk brands add` creates one"
            )
        brand_ids = (brand_id,)
    refresh(settings.database_url, everything=rebuild)
    scope = ReportScope(brand_ids=brand_ids, since=low, until=high)
    now = utcnow()
    with transaction(settings.database_url) as session:
        rows = brand_reports(session, scope, now=now)
        if out is not None:
            path = write_report(session, scope, rows, out, now=now)
            click.echo(f"wrote {path}", err=True)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    if out is not None:
        return
    click.echo(f"{'brand':<24} {'inbound':>8} {'cases':>7} {'answered':>9} "
               f"{'first resp.':>13} {'p90':>13} {'SLA':>8}")  # fmt: skip
    for row in rows:
        click.echo(
            f"{row['brand'][:24]:<24} {row['inbound']:>8} {row['cases']:>7} "
            f"{share(row['answered_share']):>9} {duration(row['first_response_median_s']):>13} "
            f"{duration(row['first_response_p90_s']):>13} {share(row['sla_compliance']):>8}"
        )


commands: list[click.Command] = [report]
