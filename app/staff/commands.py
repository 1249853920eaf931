"""CLI commands (registered on ``app.cli`` by ``app.cli.register_commands``)."""

from __future__ import annotations

import click

COMMANDS: list[click.Command] = []
