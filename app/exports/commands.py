"""``anketa export CAMPAIGN -o FILE.xlsx|FILE.csv``: the web downloads, from the CLI.

Registered by ``app.cli.register_commands``. Bad input ends in one line on stderr and a non-zero
exit (``app.cli.main``), never a traceback.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from app.models import Campaign
from app.vocabulary import ROLES

COMMANDS: list[click.Command] = []


@click.command("export")
@click.argument("campaign_id", metavar="CAMPAIGN", type=int)
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
    help=_("Файл .xlsx (відповіді, аркуш на групу, або таблиці з --tables) чи .csv (з --role)."),
)  # fmt: skip
@click.option(
    "--role", type=click.Choice(ROLES), help=_("Група респондентів (для .csv — обов'язково).")
)
@click.option("--tables", is_flag=True, help=_("Зведені таблиці замість відповідей (лише .xlsx)."))
@click.option(
    "--raw", is_flag=True,
    help=_("CSV без «'» перед текстами, що починаються з =, +, -, @ (сирі дані, не для Excel)."),
)  # fmt: skip
@with_appcontext
def export_command(
    campaign_id: int, output: Path, role: str | None, tables: bool, raw: bool
) -> None:
    """Вивантажити знеособлені відповіді (CSV, XLSX) або зведені таблиці (XLSX)."""
    from app.exports.writers import csv_chunks, write_responses_xlsx, write_tables_xlsx
    from app.results.service import analyze_campaign

    suffix = output.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise click.BadParameter(_("файл має закінчуватися на .csv або .xlsx"), param_hint="'-o'")
    if suffix == ".csv" and (tables or role is None):
        raise click.BadParameter(
            _("CSV містить відповіді однієї групи: вкажіть --role (таблиці — лише .xlsx)"),
            param_hint="'--role'",
        )
    campaign = Campaign.find(campaign_id)
    if role is not None and campaign.link_for(role) is None:
        raise click.ClickException(_("У кампанії немає анкети для групи %(role)s.", role=role))
    directory = output.parent if str(output.parent) else Path(".")
    try:
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=".anketa-", suffix=suffix)
    except OSError as error:
        raise click.ClickException(
            _("Не вдалося записати %(path)s: %(reason)s.", path=output, reason=error.strerror)
        ) from error
    try:
        with os.fdopen(handle, "wb") as target:
            if suffix == ".csv":
                for chunk in csv_chunks(campaign, role or "", raw=raw):
                    target.write(chunk.encode("utf-8"))
            elif tables:
                write_tables_xlsx(analyze_campaign(campaign, with_dynamics=False), target)
            else:
                write_responses_xlsx(campaign, target, [role] if role else ())
        os.replace(temporary, output)
    except OSError as error:
        raise click.ClickException(
            _("Не вдалося записати %(path)s: %(reason)s.", path=output, reason=error.strerror)
        ) from error
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    click.echo(_("Записано %(path)s.", path=output))


COMMANDS.append(export_command)
