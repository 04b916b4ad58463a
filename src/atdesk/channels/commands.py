"""Command-line entry points of the channels capability (registered by atdesk.cli)."""

from __future__ import annotations

import click

commands: list[click.Command] = []
