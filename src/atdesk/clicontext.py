"""What every command needs from the `atdesk` group: settings, and a migrated database."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from atdesk.config import Settings, load_settings
from atdesk.keyfile import with_key_if_kept
from atdesk.storage.migrate import upgrade


def settings_from(ctx: click.Context) -> Settings:
    """The settings for this invocation (read once, shared by subcommands)."""
    root = ctx.find_root().ensure_object(dict)
    if "settings" not in root:
        root["settings"] = load_settings(root.get("config"))
    settings: Settings = root["settings"]
    return settings


def ready_database(ctx: click.Context) -> Settings:
    """Settings with the signing key resolved, and the database migrated to the newest schema."""
    settings = settings_from(ctx)
    upgrade(settings.database_url)
    return with_key_if_kept(settings)


def parse_moment(value: str, option: str) -> datetime:
    """An ISO 8601 date or time as aware UTC (a bare date is its midnight, naive means UTC)."""
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not an ISO 8601 date or time (e.g. 2017-10-31 or 2017-10-31T14:00Z)",
            param_hint=option,
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
