"""Command-line entry points of the accounts capability (registered by atdesk.cli)."""

from __future__ import annotations

import click

from atdesk.accounts.teams import ensure_team, team_summary
from atdesk.clicontext import ready_database
from atdesk.storage.session import transaction


def _names(value: str | None) -> list[str] | None:
    """A comma-separated option as a list of names (None when the option was not given)."""
    if value is None:
        return None
    return list(dict.fromkeys(part.strip() for part in value.split(",") if part.strip()))


@click.group()
def teams() -> None:
    """Manage teams: the brands they work on and their members."""


@teams.command("add")
@click.argument("name")
@click.option("--brands", help="Comma-separated brand names the team works on (exactly these).")
@click.option("--members", help="Comma-separated usernames in the team (exactly these).")
@click.pass_context
def teams_add(ctx: click.Context, name: str, brands: str | None, members: str | None) -> None:
    """Create a team, or set an existing one's brands and members; agents see only their
    teams' brands. An option left out leaves that part as it is."""
    if not name.strip():
        raise click.BadParameter("a team needs a name", param_hint="NAME")
    settings = ready_database(ctx)
    with transaction(settings.database_url) as session:
        team, created = ensure_team(
            session,
            name,
            brand_names=_names(brands),
            usernames=_names(members),
            actor="cli",
        )
        brand_names, usernames = team_summary(session, team)
        label = team.name
    click.echo(
        f"team {label} {'created' if created else 'updated'}: "
        f"brands {', '.join(brand_names) or '(none)'}; members {', '.join(usernames) or '(none)'}"
    )


commands: list[click.Command] = [teams]
