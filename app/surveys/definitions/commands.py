"""``anketa questionnaires check PATH…`` validates files; ``anketa questionnaires load [PATH…]``
loads them (the bundled library by default). Registered by ``app.cli.register_commands``.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from app.surveys.definitions.library import DefinitionError, check_files, load_questionnaires

COMMANDS: list[click.Command] = []


def _require_existing(paths: tuple[Path, ...]) -> None:
    for path in paths:
        if not path.exists():
            raise click.ClickException(_("файл або теку не знайдено: %(path)s", path=path))


@click.group("questionnaires", help=_("Анкети: перевірка і завантаження файлів YAML."))
def questionnaires_group() -> None:
    """The ``anketa questionnaires`` group."""


@questionnaires_group.command("check")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
def check_command(paths: tuple[Path, ...]) -> None:
    """Перевірити файли анкет (файли або теки); помилки: файл:рядок: поле: повідомлення."""
    _require_existing(paths)
    files, errors = check_files(list(paths))
    for error in errors:
        click.echo(str(error))
    if errors:
        raise click.ClickException(_("знайдено помилок: %(n)s", n=len(errors)))
    click.echo(f"OK: {files} files")


@questionnaires_group.command("load")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@with_appcontext
def load_command(paths: tuple[Path, ...]) -> None:
    """Завантажити або оновити анкети (без шляхів — бібліотеку questionnaires/)."""
    _require_existing(paths)
    try:
        summary = load_questionnaires(list(paths) or None)
    except DefinitionError as error:
        for item in error.errors:
            click.echo(str(item))
        raise click.ClickException(
            _("знайдено помилок: %(n)s; нічого не завантажено", n=len(error.errors))
        ) from None
    for line in summary.lines():
        click.echo(line)


COMMANDS.append(questionnaires_group)
