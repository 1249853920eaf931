"""The ``anketa`` console script: a Flask CLI group bound to the app factory.

Every user error ends in one line on stderr and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import FlaskGroup
from sqlalchemy.exc import OperationalError

from app.errors import AnketaError


def _create_app() -> Flask:
    from app import create_app

    return create_app()


cli = FlaskGroup(
    create_app=_create_app,
    add_version_option=False,
    help="Anketa: опитування для самооцінювання закладу освіти.",
)


def register_commands(app: Flask) -> None:
    """Attach every command group to ``app.cli`` (called by the factory)."""
    from app.reports import commands as report_commands
    from app.results import commands as result_commands
    from app.staff import commands as staff_commands
    from app.surveys import commands as survey_commands

    for module in (survey_commands, staff_commands, result_commands, report_commands):
        for command in module.COMMANDS:
            app.cli.add_command(command)


def _fail(message: str, exit_code: int) -> None:
    """Print the message on one line (click's own messages may span several) and exit."""
    click.echo("Помилка: " + " ".join(message.split()), err=True)
    sys.exit(exit_code)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; turn user errors into one line on stderr and exit status 1 or 2."""
    try:
        cli.main(args=argv, prog_name="anketa", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Перервано.", err=True)
        sys.exit(1)
    except click.UsageError as error:
        hint = (
            f" (див. «anketa {error.ctx.command_path.split(' ', 1)[-1]} --help»)"
            if (error.ctx and " " in error.ctx.command_path)
            else " (див. «anketa --help»)"
        )
        click.echo(f"Помилка: {error.format_message()}{hint}", err=True)
        sys.exit(error.exit_code)
    except click.ClickException as error:
        click.echo(f"Помилка: {error.format_message()}", err=True)
        sys.exit(error.exit_code)
    except AnketaError as error:
        click.echo(f"Помилка: {error}", err=True)
        sys.exit(1)
    except OperationalError as error:
        click.echo(f"Помилка: база даних недоступна ({type(error.orig).__name__}).", err=True)
        sys.exit(1)
