"""Command-line entry points of the triage capability (registered by atdesk.cli)."""

from __future__ import annotations

import click

commands: list[click.Command] = []
