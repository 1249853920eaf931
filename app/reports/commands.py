"""CLI commands of the довідка (registered on ``app.cli`` by ``app.cli.register_commands``).

``anketa report CAMPAIGN -o FILE.docx`` writes the довідка; ``anketa texts show CAMPAIGN``
prints the working group's texts as YAML (a template to fill when empty) and ``anketa texts
set CAMPAIGN FILE.yaml|FILE.json`` stores them. Bad input ends in one line on stderr and a
non-zero exit (``app.cli.main``), never a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import yaml
from flask.cli import with_appcontext
from flask_babel import gettext as _

from app.errors import NotFound
from app.models import Campaign
from app.reports.texts import ReportTexts, load_texts, save_texts

COMMANDS: list[click.Command] = []


def _campaign(campaign_id: int) -> Campaign:
    """Campaign.find, as a one-line command error."""
    try:
        return Campaign.find(campaign_id)
    except NotFound as error:
        raise click.ClickException(str(error)) from None


@click.command("report")
@click.argument("campaign_id", metavar="CAMPAIGN", type=int)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help=_("Файл .docx (типово: dovidka-<школа>-<напрям>-<рік>.docx у поточній теці)."),
)
@with_appcontext
def report_command(campaign_id: int, output: Path | None) -> None:
    """Сформувати довідку (.docx) за результатами кампанії."""
    # Imported here: matplotlib and python-docx take seconds to import, and every other
    # ``anketa`` command would pay for them at start-up.
    from app.reports.document import ReportStats
    from app.reports.service import campaign_report, report_filename

    campaign = _campaign(campaign_id)
    target = output or Path(report_filename(campaign))
    if target.suffix.lower() != ".docx":
        raise click.BadParameter(_("файл має закінчуватися на .docx"), param_hint="'-o'")
    stats = ReportStats()
    data = campaign_report(campaign, stats)
    try:
        target.write_bytes(data)
    except OSError as error:
        raise click.ClickException(
            _("Не вдалося записати %(path)s: %(reason)s.", path=target, reason=error.strerror)
        ) from error
    click.echo(
        _(
            "Довідку збережено: %(path)s (%(size)s КБ, діаграм: %(charts)s).",
            path=target,
            size=max(1, round(len(data) / 1024)),
            charts=stats.pictures,
        )
    )


@click.group("texts")
def texts_group() -> None:
    """Тексти робочої групи для довідки (вступ, примітки, недоліки, рекомендації)."""


@texts_group.command("show")
@click.argument("campaign_id", metavar="CAMPAIGN", type=int)
@click.option("--json", "as_json", is_flag=True, help=_("Вивести як JSON замість YAML."))
@with_appcontext
def texts_show(campaign_id: int, as_json: bool) -> None:
    """Показати тексти кампанії (порожні поля — шаблон для заповнення)."""
    mapping = load_texts(_campaign(campaign_id)).to_mapping()
    if as_json:
        click.echo(json.dumps(mapping, ensure_ascii=False, indent=2))
    else:
        click.echo(yaml.safe_dump(mapping, allow_unicode=True, sort_keys=False, width=100))


def _read_texts_file(path: Path) -> Any:
    try:
        content = path.read_text(encoding="utf-8")
    except OSError as error:
        raise click.ClickException(
            _("Не вдалося прочитати %(path)s: %(reason)s.", path=path, reason=error.strerror)
        ) from error
    except UnicodeDecodeError as error:
        raise click.ClickException(
            _("Файл %(path)s має бути в кодуванні UTF-8.", path=path)
        ) from error
    try:
        if path.suffix.lower() == ".json":
            return json.loads(content)
        return yaml.safe_load(content)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else getattr(error, "lineno", "?")
        raise click.ClickException(
            _("Файл %(path)s не вдалося розібрати (рядок %(line)s).", path=path, line=line)
        ) from error


@texts_group.command("set")
@click.argument("campaign_id", metavar="CAMPAIGN", type=int)
@click.argument("file", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def texts_set(campaign_id: int, file: Path) -> None:
    """Зберегти тексти з файлу YAML або JSON (замінює попередні)."""
    campaign = _campaign(campaign_id)
    texts = ReportTexts.from_mapping(_read_texts_file(file) or {})
    save_texts(campaign, texts)
    filled = sum(1 for value in texts.to_mapping().values() if value)
    click.echo(_("Тексти збережено (заповнено полів: %(n)s).", n=filled))


COMMANDS.extend([report_command, texts_group])
