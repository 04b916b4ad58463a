"""Command-line entry points of the insights capability (registered by atdesk.cli)."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from atdesk.clicontext import ready_database
from atdesk.domain.errors import NotFound
from atdesk.insights.issues.rebuild import rebuild_issues
from atdesk.insights.issues.service import RebuildResult
from atdesk.insights.issues.vectors import VectorsMissing
from atdesk.models.base import utcnow


def _iso(value: str | None, option: str) -> datetime | None:
    """An ISO 8601 date or time; without a zone it is UTC."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not an ISO 8601 date or time (e.g. 2017-10-31 or 2017-10-31T22:00)",
            param_hint=option,
        ) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


@click.group()
def insights() -> None:
    """Emerging issues and other insights over customer posts."""


@insights.command("rebuild")
@click.option("--brand", help="Only this brand (its name); every brand when left out.")
@click.option("--since", help="Only posts created at or after this ISO 8601 time (UTC).")
@click.option("--until", help="Only posts created before this ISO 8601 time (UTC).")
@click.pass_context
def insights_rebuild(
    ctx: click.Context, brand: str | None, since: str | None, until: str | None
) -> None:
    """Group stored customer posts into emerging issues, brand by brand; rerunning it on the
    same posts changes nothing."""
    start, end = _iso(since, "--since"), _iso(until, "--until")
    if start is not None and end is not None and start >= end:
        raise click.BadParameter("--since must be before --until", param_hint="--since")
    settings = ready_database(ctx)

    def report(result: RebuildResult) -> None:
        if result.posts:
            click.echo(
                f"brand {result.brand_id}: {result.posts} posts, {result.grouped} grouped into"
                f" {result.issues} issues ({result.created} new, {result.removed} removed)",
                err=True,
            )

    try:
        results = rebuild_issues(
            settings.database_url,
            now=utcnow(),
            brand=brand,
            since=start,
            until=end,
            progress=report,
        )
    except (NotFound, VectorsMissing) as exc:
        raise click.ClickException(str(exc)) from None
    posts = sum(r.posts for r in results)
    grouped = sum(r.grouped for r in results)
    issues = sum(r.issues for r in results)
    click.echo(f"{issues} issues from {grouped} of {posts} posts in {len(results)} brands")


commands: list[click.Command] = [insights]
