"""What every command needs from the `atdesk` group: settings, and a migrated database."""

from __future__ import annotations

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
