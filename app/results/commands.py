"""CLI commands (registered on ``app.cli`` by ``app.cli.register_commands``).

``anketa analyze CAMPAIGN [--json]`` and ``anketa level set|clear CAMPAIGN``.
"""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from app.analysis.results import CampaignAnalysis
from app.models import Campaign
from app.vocabulary import ROLE_LABELS


def results_json(analysis: CampaignAnalysis) -> str:
    """Return the results document as the CLI prints it (UTF-8, indented, keys in order)."""
    return json.dumps(analysis.to_json(), ensure_ascii=False, indent=2)


def _role(role: str) -> str:
    """The group's name inside a line: «вчителі»."""
    return _(ROLE_LABELS[role]).lower() if role in ROLE_LABELS else role


def _summary(analysis: CampaignAnalysis) -> list[str]:
    def number(value: float | None) -> str:
        return "—" if value is None else f"{value:.1f}".replace(".", ",")

    info = analysis.campaign
    lines = [
        f"{info.title} ({info.school}, {info.academic_year})",
        _(
            "Респонденти: %(counts)s",
            counts=", ".join(f"{_role(r)} {n}" for r, n in analysis.respondents.items()),
        ),
    ]
    for score in analysis.requirement_scores:
        lines.append(_("Вимога %(code)s: %(score)s %%", code=score.code, score=number(score.score)))
    for gap in analysis.key_gaps():
        difference = number(gap.difference_pp) if gap.kind == "ordinal" else _("за варіантами")
        lines.append(
            _(
                "Ключова розбіжність «%(construct)s»: %(role_a)s — %(role_b)s, %(difference)s в.п.",
                construct=gap.construct,
                role_a=_role(gap.role_a),
                role_b=_role(gap.role_b),
                difference=difference,
            )
        )
    computed = analysis.computed_level.label if analysis.computed_level else "—"
    final = analysis.final_level.label if analysis.final_level else "—"
    lines.append(
        _("Бал напряму: %(score)s %%; рівень: %(final)s (розраховано: %(computed)s)",
          score=number(analysis.score), final=final, computed=computed)
    )  # fmt: skip
    return lines


@click.command("analyze")
@click.argument("campaign_id", metavar="CAMPAIGN", type=int)
@click.option("--json", "as_json", is_flag=True, help=_("Повний аналіз у форматі JSON."))
@with_appcontext
def analyze_command(campaign_id: int, as_json: bool) -> None:
    """Аналіз кампанії: відсотки, розбіжності, рівень (--json: документ зі схеми)."""
    from app.results.service import analyze_campaign  # scipy: on use only

    analysis = analyze_campaign(Campaign.find(campaign_id))
    if as_json:
        click.echo(results_json(analysis))
        return
    for line in _summary(analysis):
        click.echo(line)


@click.group("level")
def level_group() -> None:
    """Рівень за напрямом, визначений робочою групою."""


@level_group.command("set")
@click.argument("campaign_id", metavar="CAMPAIGN", type=int)
@click.argument("level", metavar="LEVEL")
@click.option("--justification", required=True, help=_("Обґрунтування робочої групи."))
@with_appcontext
def level_set(campaign_id: int, level: str, justification: str) -> None:
    """Встановити рівень (high|sufficient|needs_improvement|low) з обґрунтуванням."""
    from app.results.service import analyze_campaign, set_level_override

    campaign = set_level_override(Campaign.find(campaign_id), level, justification, user=None)
    analysis = analyze_campaign(campaign, with_dynamics=False)
    computed = analysis.computed_level.label if analysis.computed_level else "—"
    assert analysis.final_level is not None  # the override just set
    click.echo(
        _("Рівень: %(final)s (розраховано: %(computed)s).",
          final=analysis.final_level.label, computed=computed)
    )  # fmt: skip


@level_group.command("clear")
@click.argument("campaign_id", metavar="CAMPAIGN", type=int)
@with_appcontext
def level_clear(campaign_id: int) -> None:
    """Скасувати рівень робочої групи: діятиме розрахований."""
    from app.results.service import set_level_override

    set_level_override(Campaign.find(campaign_id), None, None, user=None)
    click.echo(_("Рівень робочої групи скасовано."))


COMMANDS: list[click.Command] = [analyze_command, level_group]
