"""The ``anketa`` console script: a Flask CLI group bound to the app factory.

Every user error ends in one line on stderr and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import re
import sys

import click
from flask import Flask
from flask.cli import FlaskGroup
from flask_babel import gettext as _
from sqlalchemy.exc import OperationalError

from app.errors import AnketaError
from app.vocabulary import N_


def _create_app() -> Flask:
    from app import create_app

    return create_app()


cli = FlaskGroup(
    create_app=_create_app,
    add_version_option=False,
    help=N_("Anketa: опитування для самооцінювання закладу освіти."),
)


def register_commands(app: Flask) -> None:
    """Attach every command group to ``app.cli`` (called by the factory)."""
    from app.exports import commands as export_commands
    from app.imports import commands as import_commands
    from app.reports import commands as report_commands
    from app.results import commands as result_commands
    from app.staff import commands as staff_commands
    from app.surveys.definitions import commands as survey_commands

    modules = (survey_commands, import_commands, staff_commands, result_commands,
               report_commands, export_commands)  # fmt: skip
    for module in modules:
        for command in module.COMMANDS:
            app.cli.add_command(command)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; turn user errors into one line on stderr and exit status 1 or 2."""
    try:
        cli.main(args=argv, prog_name="anketa", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo(_("Перервано."), err=True)
        sys.exit(1)
    except click.UsageError as error:
        hint = (
            _(
                " (див. «anketa %(command)s --help»)",
                command=error.ctx.command_path.split(" ", 1)[-1],
            )
            if (error.ctx and " " in error.ctx.command_path)
            else _(" (див. «anketa --help»)")
        )
        click.echo(
            _("Помилка: %(message)s%(hint)s", message=usage_message(error), hint=hint),
            err=True,
        )
        sys.exit(error.exit_code)
    except click.ClickException as error:
        click.echo(
            _("Помилка: %(message)s", message=" ".join(error.format_message().split())), err=True
        )
        sys.exit(error.exit_code)
    except AnketaError as error:
        click.echo(_("Помилка: %(error)s", error=error), err=True)
        sys.exit(1)
    except OperationalError as error:
        click.echo(
            _("Помилка: база даних недоступна (%(name)s).", name=type(error.orig).__name__),
            err=True,
        )
        sys.exit(1)


# Click's own messages are English; these are the usage errors a person meets, in Ukrainian.
_CYRILLIC = re.compile(r"[А-Яа-яЄєІіЇїҐґ]")  # i18n: data
_NO_SUCH_COMMAND = re.compile(r"No such command '(.+)'\.")
_EXTRA_ARGUMENTS = re.compile(r"Got unexpected extra arguments? \((.+)\)")
_PATH_PROBLEMS = (
    (re.compile(r"(?:File|Directory|Path) '(.+)' does not exist\."), N_("«{}» не існує")),
    (re.compile(r"(?:File|Path) '(.+)' is a directory\."), N_("«{}» — тека, а потрібен файл")),
    (re.compile(r"(?:Directory|Path) '(.+)' is a file\."), N_("«{}» — файл, а потрібна тека")),
    (re.compile(r"(?:File|Directory|Path) '(.+)' is not readable\."), N_("«{}» не читається")),
    (re.compile(r"(?:File|Directory|Path) '(.+)' is not writable\."), N_("у «{}» не можна писати")),
)


def _param_name(param: click.Parameter | None) -> str:
    if param is None:
        return "?"
    if isinstance(param, click.Option):
        return " / ".join(param.opts)
    return param.human_readable_name


def _bad_value(error: click.BadParameter) -> str:
    """The reason of a bad value in Ukrainian: ours as it is, click's type checks translated."""
    if _CYRILLIC.search(error.message):
        return error.message
    kind = error.param.type if error.param is not None else None
    if isinstance(kind, click.Choice):
        choices = ", ".join(str(choice) for choice in kind.choices)
        return _("допустимі значення: %(choices)s", choices=choices)
    if isinstance(kind, click.types.IntParamType):
        found = re.match(r"'?(.*?)'? is not a valid integer", error.message)
        return (
            _("«%(value)s» — не ціле число", value=found.group(1))
            if found
            else _("потрібне ціле число")
        )
    if isinstance(kind, click.types.FloatParamType):
        return _("потрібне число")
    for pattern, template in _PATH_PROBLEMS:
        if found := pattern.search(error.message):
            return _(template).format(found.group(1))
    return error.message


def usage_message(error: click.UsageError) -> str:
    """Return a usage error as one Ukrainian line (without the «Помилка:» prefix)."""
    if isinstance(error, click.MissingParameter):
        kind = _("параметр") if isinstance(error.param, click.Option) else _("аргумент")
        return _(
            "не вказано %(kind)s %(param_name)s.", kind=kind, param_name=_param_name(error.param)
        )
    if isinstance(error, click.NoSuchOption):
        text = _("невідомий параметр %(option_name)s.", option_name=error.option_name)
        if error.possibilities:
            options = _(" або ").join(sorted(error.possibilities))
            text += _(" Можливо, %(options)s?", options=options)
        return text
    if isinstance(error, click.BadParameter):
        hint = error.param_hint or _param_name(error.param)
        if not isinstance(hint, str):  # a list or tuple of the parameter's names
            hint = " / ".join(hint)
        hint = hint.replace("'", "").replace('"', "")
        return _(
            "неприпустиме значення %(hint)s: %(bad_value)s.", hint=hint, bad_value=_bad_value(error)
        )
    if isinstance(error, click.BadOptionUsage) and "requires an argument" in error.message:
        return _("параметр %(option_name)s потребує значення.", option_name=error.option_name)
    message = " ".join(error.format_message().split())
    if found := _NO_SUCH_COMMAND.fullmatch(message):
        return _("невідома команда «%(value)s».", value=found.group(1))
    if found := _EXTRA_ARGUMENTS.fullmatch(message):
        return _("зайві аргументи: %(value)s.", value=found.group(1))
    return message
