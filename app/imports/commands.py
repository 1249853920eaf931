"""``anketa responses import CAMPAIGN --role ROLE FILE``: answers collected elsewhere (CSV).

Registered by ``app.cli.register_commands``; the web upload is ``app.imports.views``.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from app.errors import NotFound
from app.imports.engine import (
    CsvImportError,
    ImportOrigin,
    ImportPlan,
    import_csv,
    parse_answer_mappings,
    parse_column_mappings,
    read_header,
)
from app.models import Campaign, ImportChannel, User
from app.vocabulary import ROLES

COMMANDS: list[click.Command] = []


@click.group("responses", help=_("Відповіді: імпорт відповідей, зібраних деінде (CSV)."))
def responses_group() -> None:
    """The ``anketa responses`` group."""


@responses_group.command("import")
@click.argument("campaign_id", metavar="CAMPAIGN", type=int)
@click.option(
    "--role",
    required=True,
    type=click.Choice(ROLES),
    help=_("Чиї це відповіді."),
)
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--map",
    "answer_maps",
    multiple=True,
    metavar=_("ЗАПИТАННЯ=ВІДПОВІДЬ:ВАРІАНТ"),
    help=_("Віднести невідому відповідь до варіанта (id або текст запитання, id варіанта)."),
)
@click.option(
    "--column",
    "column_maps",
    multiple=True,
    metavar=_("ЗАГОЛОВОК=ID"),
    help=_("Віднести стовпець до запитання (ЗАГОЛОВОК=- — пропустити стовпець)."),
)
@click.option(
    "--skip-unknown", is_flag=True, help=_("Пропустити відповіді, яких немає серед варіантів.")
)
@click.option(
    "--user",
    "user_email",
    metavar="EMAIL",
    help=_(
        "Від чийого імені імпорт (член робочої групи закладу або адміністратор); без нього "
        "в журналі імпортів — «з командного рядка»."
    ),
)
@with_appcontext
def import_command(
    campaign_id: int,
    role: str,
    file: Path,
    answer_maps: tuple[str, ...],
    column_maps: tuple[str, ...],
    skip_unknown: bool,
    user_email: str | None,
) -> None:
    """Імпортувати відповіді з CSV (експорт Google Forms або стовпці з id запитань).

    Усе або нічого: за будь-якої помилки нічого не збережено. Повторний імпорт того самого
    файлу не додає відповідей удруге. Кожен імпорт записано в журнал кампанії (хто, коли,
    скільки анкет), його видно на сторінці кампанії і в довідці.
    """
    if not file.is_file():
        raise click.ClickException(_("файл не знайдено: %(file)s", file=file))
    try:
        campaign = Campaign.find(campaign_id)
    except NotFound as error:
        raise click.ClickException(str(error)) from None
    link = campaign.link_for(role)
    if link is None:
        raise click.ClickException(
            _(
                "у кампанії %(campaign_id)s немає анкети для ролі «%(role)s»",
                campaign_id=campaign_id,
                role=role,
            )
        )
    origin = ImportOrigin(
        _importing_user_id(user_email, campaign), ImportChannel.CLI.value, file.name
    )
    try:
        plan = ImportPlan(
            columns=parse_column_mappings(column_maps, read_header(file)) if column_maps else {},
            answers=parse_answer_mappings(answer_maps, link.questionnaire),
            skip_unknown=skip_unknown,
        )
        result = import_csv(file, link, plan, origin=origin)
    except CsvImportError as error:
        for line in error.details:
            click.echo(line)
        if error.unknown_answers:
            click.echo(_('Додайте --map "запитання=відповідь:id варіанта" або --skip-unknown.'))
        raise click.ClickException(str(error)) from None
    click.echo(
        _(
            "Імпортовано відповідей (%(role)s): %(imported)s; уже були імпортовані "
            "раніше: %(skipped)s.",
            role=role,
            imported=result.imported,
            skipped=result.skipped,
        )
    )
    counts = campaign.response_counts()
    totals = ", ".join(f"{r}: {n}" for r, n in counts.items())
    click.echo(_("Усього відповідей: %(totals)s.", totals=totals))


def _importing_user_id(email: str | None, campaign: Campaign) -> int | None:
    """Return the id of the ``--user`` an import is attributed to (None without one).

    Raises ClickException unless it is an active member of the campaign's school or an admin.
    """
    if email is None:
        return None
    user = User.by_email(email)
    if user is None or not user.active:
        raise click.ClickException(
            _("користувача %(email)s не знайдено або його вимкнено", email=email)
        )
    if not (user.can_edit and user.can_see_school(campaign.school_id)):
        raise click.ClickException(
            _(
                "%(email)s не може імпортувати відповіді в цю кампанію (потрібен член "
                "робочої групи закладу або адміністратор)",
                email=email,
            )
        )
    return user.id


COMMANDS.append(responses_group)
