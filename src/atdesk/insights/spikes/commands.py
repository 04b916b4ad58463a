"""`atdesk trends`: detected spikes from stored posts (SPEC §5), registered by atdesk.cli."""

from __future__ import annotations

import json
from datetime import timedelta

import click
from sqlalchemy import select

from atdesk.clicontext import parse_moment, ready_database
from atdesk.insights.spikes.queries import history_starts, newest_post
from atdesk.insights.spikes.trends import detect_spikes
from atdesk.models import Brand
from atdesk.storage.session import transaction


@click.command("trends")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of spikes.")
@click.option("--brand", "brand_name", help="Only this brand (by name).")
@click.option("--since", help="From this ISO date/time (default: the start of the history).")
@click.option("--until", help="Up to this ISO date/time (default: the newest stored post).")
@click.pass_context
def trends(
    ctx: click.Context,
    as_json: bool,
    brand_name: str | None,
    since: str | None,
    until: str | None,
) -> None:
    """Spikes in posts per brand, intent and issue against their own hour-of-day norm."""
    low = parse_moment(since, "--since") if since else None
    high = parse_moment(until, "--until") if until else None
    if low and high and low >= high:
        raise click.BadParameter("--since must be before --until", param_hint="--since")
    settings = ready_database(ctx)
    with transaction(settings.database_url) as session:
        brand_ids: frozenset[int] | None = None
        if brand_name is not None:
            brand = session.scalar(select(Brand).where(Brand.name == brand_name))
            if brand is None:
                raise click.ClickException(
                    f"no brand named {brand_name!r}; `atdesk brands add` creates one"
                )
            brand_ids = frozenset({brand.id})
        starts = history_starts(session, brand_ids)
        newest = newest_post(session, brand_ids)
        if not starts or newest is None:
            spikes = []
        else:
            high = high or newest + timedelta(seconds=1)
            low = low or min(starts.values())
            spikes = (
                detect_spikes(session, since=low, until=high, brand_ids=brand_ids)
                if low < high
                else []
            )
        rows = [s.to_json() for s in spikes]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    if not rows:
        click.echo("no spikes found")
        return
    click.echo(f"{'start':<17} {'end':<17} {'brand':<18} {'sev':<8} {'posts':>5} "
               f"{'base/h':>7} {'peak/h':>7}  label")  # fmt: skip
    for row in rows:
        click.echo(
            f"{row['start'][:16]:<17} {row['end'][:16]:<17} {row['brand'][:18]:<18} "
            f"{row['severity']:<8} {row['posts']:>5} {row['baseline_per_hour']:>7.1f} "
            f"{row['peak_per_hour']:>7.1f}  {row['label']}"
        )


commands: list[click.Command] = [trends]
