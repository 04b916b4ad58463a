"""`atdesk customers erase ID`: erase a person from the command line (registered by atdesk.cli
under the customers group)."""

from __future__ import annotations

import click

from atdesk.accounts.access import NotVisible
from atdesk.clicontext import ready_database
from atdesk.domain.errors import AppError
from atdesk.lifecycle.erase import erase_customer
from atdesk.models import Customer
from atdesk.models.base import utcnow
from atdesk.storage.session import transaction

ACTOR = "cli"


@click.command("erase")
@click.argument("customer_id", type=click.IntRange(min=1))
@click.option("--yes", is_flag=True, help="Do not ask; erase at once (scripts).")
@click.pass_context
def erase(ctx: click.Context, customer_id: int, yes: bool) -> None:
    """Erase a customer: posts, cases, notes, callbacks, appointments, survey answers, handles
    and the record; counts stay for reports. Cannot be undone."""
    settings = ready_database(ctx)
    with transaction(settings.database_url) as session:
        customer = session.get(Customer, customer_id)
        who = f"{customer.name or '(no name)'}" if customer is not None else None
    if who is not None and not yes:
        click.confirm(f"Erase customer {customer_id} ({who})? This cannot be undone", abort=True)
    try:
        with transaction(settings.database_url) as session:
            erasure = erase_customer(
                session, customer_id=customer_id, actor=ACTOR, brand_ids=None, now=utcnow()
            )
    except NotVisible:
        raise click.ClickException(f"no customer {customer_id}") from None
    except AppError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"erased customer {customer_id}")
    for kind, count in erasure.removed.items():
        click.echo(f"  {kind.replace('_', ' ')}: {count}")
