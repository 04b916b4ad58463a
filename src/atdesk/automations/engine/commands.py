"""Command-line entry points of the automations capability (registered by atdesk.cli)."""

from __future__ import annotations

from pathlib import Path

import click
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from atdesk.automations.engine.dryrun import dry_run
from atdesk.automations.engine.queries import export_yaml
from atdesk.automations.engine.service import (
    RuleError,
    import_rules,
    install_defaults,
    parse_spec,
    parse_yaml,
)
from atdesk.clicontext import ready_database
from atdesk.models import Brand
from atdesk.models.base import utcnow
from atdesk.storage.session import transaction


def _brand(session: Session, name: str) -> Brand:
    brand = session.scalar(select(Brand).where(Brand.name == name))
    if brand is None:
        names = ", ".join(session.scalars(select(Brand.name).order_by(Brand.name).limit(10)))
        raise click.ClickException(f"no brand named {name!r}; brands include: {names}")
    return brand


@click.group()
def rules() -> None:
    """Automation rules: export, import and try them."""


@rules.command("export")
@click.argument("brand")
@click.pass_context
def rules_export(ctx: click.Context, brand: str) -> None:
    """Print a brand's rules as YAML (the defaults, if it never had any)."""
    settings = ready_database(ctx)
    with transaction(settings.database_url) as session:
        found = _brand(session, brand)
        install_defaults(session, found, actor="cli")
        click.echo(export_yaml(session, found), nl=False)


@rules.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--brand", help="Import into this brand instead of the one the file names.")
@click.pass_context
def rules_import(ctx: click.Context, file: Path, brand: str | None) -> None:
    """Make a brand's rules exactly those of a YAML file (rules keep their history by name)."""
    settings = ready_database(ctx)
    try:
        ruleset = parse_yaml(file.read_text(encoding="utf-8"))
    except RuleError as exc:
        raise click.ClickException(f"{file}: {exc}") from None
    with transaction(settings.database_url) as session:
        target = _brand(session, brand or ruleset.brand)
        created, updated, deleted = import_rules(session, target, ruleset.rules, actor="cli")
    click.echo(f"{target.name}: {created} created, {updated} changed, {deleted} removed")


@rules.command("dry-run")
@click.argument("brand")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 500))
@click.pass_context
def rules_dry_run(ctx: click.Context, brand: str, file: Path, limit: int) -> None:
    """What one rule (a YAML file) would have done with the brand's last posts; saves nothing."""
    settings = ready_database(ctx)
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        spec = parse_spec(data if isinstance(data, dict) else {})
    except (yaml.YAMLError, RuleError) as exc:
        raise click.ClickException(f"{file}: {exc}") from None
    with transaction(settings.database_url) as session:
        rows = dry_run(session, settings, _brand(session, brand), spec, now=utcnow(), limit=limit)
        session.rollback()
    matched = [r for r in rows if r.matched]
    click.echo(f"{len(matched)} of the last {len(rows)} posts match “{spec.name}”")
    for row in matched:
        click.echo(f"- post {row.post_id} @{row.author}: {row.text[:80]}")
        for would in row.would:
            click.echo(f"    would {would}")


commands: list[click.Command] = [rules]
