"""CLI commands (registered on ``app.cli`` by ``app.cli.register_commands``).

``anketa init``, ``anketa demo``, ``anketa users create|set-password|deactivate|list``,
``anketa schools create`` and ``anketa campaigns create|list``. User errors are
``click.ClickException`` or ``AnketaError``, which ``app.cli.main`` prints as one line on stderr.
"""

from __future__ import annotations

import secrets
import sys
from datetime import date

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _
from sqlalchemy import func, select

from app import accounts
from app.config import DEFAULT_BASE_URL
from app.extensions import db
from app.models import Campaign, Direction, User
from app.staff import services
from app.staff.demo import DEMO_DIRECTION, create_demo
from app.vocabulary import StaffRole

COMMANDS: list[click.Command] = []

FIRST_ADMIN_EMAIL = "admin@anketa.local"


def _base_url() -> str:
    """The base of printed links: config ``ANKETA_BASE_URL`` (``app.config.load_config``)."""
    return current_app.config.get("ANKETA_BASE_URL") or DEFAULT_BASE_URL


def _load_library() -> None:
    """Load (or refresh) the bundled questionnaires and print the loader's totals line."""
    from app.surveys.definitions.library import load_questionnaires

    summary = load_questionnaires()
    click.echo(_("Бібліотека анкет: %(lines)s", lines=summary.lines()[-1]))


def _login_block(lines: list[str]) -> None:
    rule = "=" * 64
    click.echo(rule)
    for line in lines:
        click.echo(line)
    click.echo(rule)


@click.command(
    "init", help=_("Оновити базу даних, завантажити анкети і (один раз) створити адміністратора.")
)
@with_appcontext
def init_command() -> None:
    """Migrate the database, load the questionnaires, create the first admin (once)."""
    from flask_migrate import upgrade

    upgrade()
    click.echo(_("База даних: схема актуальна."))
    _load_library()
    if db.session.scalar(select(func.count(User.id))):
        click.echo(_("Користувачі вже є: новий адміністратор не створюється."))
        return
    password = secrets.token_urlsafe(12)
    services.create_user(FIRST_ADMIN_EMAIL, StaffRole.ADMIN.value, password)
    _login_block(
        [
            _("Створено адміністратора. Пароль показано ЛИШЕ ОДИН РАЗ — збережіть його."),
            _(
                "Увійдіть на %(base_url)s/login як %(FIRST_ADMIN_EMAIL)s, пароль: %(password)s",
                base_url=_base_url(),
                FIRST_ADMIN_EMAIL=FIRST_ADMIN_EMAIL,
                password=password,
            ),
        ]
    )


@click.group("users", help=_("Облікові записи працівників."))
def users_group() -> None:
    """Staff accounts."""


@users_group.command(
    "create", help=_("Створити користувача; пароль — із запиту або з stdin (--password-stdin).")
)
@click.argument("email")
@click.option("--role", required=True, help=_("Роль: admin, director або member."))
@click.option("--school", "school_slug", help=_("Ідентифікатор закладу (для director і member)."))
@click.option("--password-stdin", is_flag=True, help=_("Прочитати пароль з першого рядка stdin."))
@with_appcontext
def create_user_command(
    email: str, role: str, school_slug: str | None, password_stdin: bool
) -> None:
    """Create a staff user; the password comes from a hidden prompt or stdin."""
    services.check_new_user(email, role, school_slug)
    user = services.create_user(email, role, _read_password(password_stdin), school_slug)
    school = f" ({user.school.slug})" if user.school else ""
    click.echo(
        _(
            "Користувача %(email)s створено: %(role)s%(school)s.",
            email=user.email,
            role=user.role,
            school=school,
        )
    )


def _read_password(from_stdin: bool) -> str:
    """Return the password from the first line of stdin, or from a hidden prompt asked twice."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt(_("Пароль"), hide_input=True, confirmation_prompt=_("Повторіть пароль"))


@users_group.command(
    "set-password",
    help=_("Задати новий пароль (із запиту або з stdin); завершує сеанси, знімає блокування."),
)
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help=_("Прочитати пароль з першого рядка stdin."))
@with_appcontext
def set_password_command(email: str, password_stdin: bool) -> None:
    """Give a user a new password; their sessions end and the lockout is lifted."""
    accounts.get_user(email)  # an unknown email fails before the password is asked for
    user = accounts.set_user_password(email, _read_password(password_stdin))
    click.echo(
        _("Пароль користувача %(email)s змінено: усі його сеанси завершено.", email=user.email)
    )


@users_group.command("deactivate", help=_("Вимкнути обліковий запис і завершити його сеанси."))
@click.argument("email")
@with_appcontext
def deactivate_command(email: str) -> None:
    """Switch an account off; its sessions end at once."""
    user = accounts.deactivate_user(email)
    click.echo(
        _("Обліковий запис %(email)s вимкнено: увійти ним більше не можна.", email=user.email)
    )


@users_group.command(
    "list", help=_("Показати користувачів: пошта, роль, заклад, активний, заблокований.")
)
@with_appcontext
def list_users_command() -> None:
    """Print one tab-separated line per user: email, role, school, active, locked."""
    users = accounts.list_users()
    if not users:
        click.echo(_("Користувачів немає."))
        return
    for user in users:
        school = user.school.slug if user.school else "—"
        active = _("активний") if user.active else _("вимкнений")
        locked = (
            _(
                "заблоковано до %(locked_until)s UTC",
                locked_until=format(user.locked_until, "%Y-%m-%d %H:%M"),
            )
            if accounts.is_locked(user)
            else _("не заблоковано")
        )
        click.echo(f"{user.email}\t{user.role}\t{school}\t{active}\t{locked}")


@click.group("schools", help=_("Заклади освіти."))
def schools_group() -> None:
    """Schools (заклади освіти)."""


@schools_group.command(
    "create", help=_("Створити заклад: SLUG — латинський ідентифікатор, --name — повна назва.")
)
@click.argument("slug")
@click.option("--name", required=True, help=_("Повна назва закладу."))
@with_appcontext
def create_school_command(slug: str, name: str) -> None:
    """Create a school with a short latin identifier (SLUG) and a full name."""
    school = services.create_school(slug, name)
    click.echo(
        _(
            "Заклад «%(name)s» створено: %(slug)s (id %(id)s).",
            name=school.name,
            slug=school.slug,
            id=school.id,
        )
    )


def _parse_date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.ClickException(
            _(
                "Дата «%(value)s» (%(option)s) має бути у форматі РРРР-ММ-ДД, напр. 2025-02-03.",
                value=value,
                option=option,
            )
        ) from None


@click.group("campaigns", help=_("Кампанії самооцінювання."))
def campaigns_group() -> None:
    """Self-assessment campaigns."""


@campaigns_group.command(
    "create", help=_("Створити кампанію; друкує її id і посилання для кожної ролі.")
)
@click.option("--school", "school_slug", required=True, help=_("Ідентифікатор закладу."))
@click.option("--direction", required=True, help=_("Напрям, напр. assessment-system."))
@click.option("--year", required=True, help=_("Навчальний рік, напр. 2024-2025."))
@click.option("--title", help=_("Назва кампанії."))
@click.option("--opens", help=_("Початок опитування (РРРР-ММ-ДД)."))
@click.option("--closes", help=_("Завершення опитування (РРРР-ММ-ДД)."))
@with_appcontext
def create_campaign_command(
    school_slug: str,
    direction: str,
    year: str,
    title: str | None,
    opens: str | None,
    closes: str | None,
) -> None:
    """Create a campaign; print its id and one respondent link per role."""
    opens_on = _parse_date(opens, "--opens")
    closes_on = _parse_date(closes, "--closes")
    school = services.get_school(school_slug)
    campaign = services.create_campaign(school, direction, year, title, opens_on, closes_on)
    click.echo(_("Кампанію створено: id %(id)s — %(title)s", id=campaign.id, title=campaign.title))
    for link in campaign.links:
        click.echo(f"{link.role}: {services.respondent_url(_base_url(), link.token)}")


@campaigns_group.command(
    "list", help=_("Показати кампанії: id, заклад, рік, кількість відповідей.")
)
@click.option("--school", "school_slug", help=_("Лише кампанії цього закладу."))
@with_appcontext
def list_campaigns_command(school_slug: str | None) -> None:
    """Print one line per campaign (newest first), optionally of one school."""
    school = services.get_school(school_slug) if school_slug else None
    campaigns = services.list_campaigns(school)
    if not campaigns:
        click.echo(_("Кампаній немає."))
        return
    counts = Campaign.response_counts_of(campaigns)
    for campaign in campaigns:
        figures = ", ".join(f"{role} {n}" for role, n in counts[campaign.id].items())
        click.echo(
            f"{campaign.id}\t{campaign.school.slug}\t{campaign.academic_year}\t"
            f"{campaign.title}\t{figures}"
        )


@click.command(
    "demo", help=_("Додати позначений демонстраційний заклад із двома кампаніями й відповідями.")
)
@click.option("--seed", default=1, show_default=True, help=_("Зерно генератора відповідей."))
@with_appcontext
def demo_command(seed: int) -> None:
    """Add a clearly marked demo school with two campaigns of synthetic responses."""
    if Direction.library(DEMO_DIRECTION) is None:
        _load_library()
    summary = create_demo(seed)
    click.echo(_("Демонстраційний заклад: %(name)s", name=summary.school.name))
    for campaign in summary.campaigns:
        counts = campaign.response_counts()
        figures = ", ".join(f"{role} {n}" for role, n in counts.items())
        click.echo(
            _(
                "  кампанія id %(id)s, %(academic_year)s: %(figures)s",
                id=campaign.id,
                academic_year=campaign.academic_year,
                figures=figures,
            )
        )
    if summary.responses_created == 0:
        click.echo(_("Демо-дані вже були: нових відповідей не додано."))
    lines = [_("Демо-користувачі (паролі щойно оновлено):")]
    lines += [
        _("  %(email)s (%(role)s), пароль: %(password)s", email=email, role=role, password=password)
        for email, role, password in summary.users
    ]
    lines.append(_("Увійдіть на %(base_url)s/login", base_url=_base_url()))
    _login_block(lines)


COMMANDS.extend([init_command, users_group, schools_group, campaigns_group, demo_command])
