"""Command-line entry points of the customers capability (registered by atdesk.cli)."""

from __future__ import annotations

from pathlib import Path

import click

from atdesk.clicontext import ready_database
from atdesk.customers.service import CustomerError, import_customers
from atdesk.storage.session import transaction


@click.group()
def customers() -> None:
    """Manage customer records (CRM identity)."""


@customers.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def customers_import(ctx: click.Context, file: Path) -> None:
    """Import customers from CSV; re-importing updates, never duplicates."""
    settings = ready_database(ctx)
    try:
        with transaction(settings.database_url) as session:
            report = import_customers(session, file)
    except CustomerError as exc:
        raise click.ClickException(str(exc)) from None
    for error in report.errors:
        click.echo(f"skipped {error}", err=True)
    click.echo(
        f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged, "
        f"{len(report.errors)} bad rows skipped"
    )


commands: list[click.Command] = [customers]
