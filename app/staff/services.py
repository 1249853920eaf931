"""Staff-side rules: schools, users, campaigns and their respondent links.

Every function here raises ``AnketaError`` (message in Ukrainian, shown to the user as is) for a
broken rule and commits on success. Views and CLI commands only translate input and output.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.accounts import check_password_rules
from app.errors import AnketaError, NotFound
from app.extensions import db
from app.models import (
    Campaign,
    Direction,
    Questionnaire,
    RespondentLink,
    School,
    User,
    new_token,
)
from app.vocabulary import ROLES, StaffRole

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
YEAR_RE = re.compile(r"^(\d{4})-(\d{4})$")
MAX_SLUG_LENGTH = 64


def current_academic_year(today: date) -> str:
    """Return the academic year containing ``today`` ("2024-2025"); September starts a year."""
    start = today.year if today.month >= 9 else today.year - 1
    return f"{start}-{start + 1}"


def validate_academic_year(year: str) -> str:
    """Return the academic year stripped; raise ``AnketaError`` unless it is YYYY-YYYY with
    consecutive years."""
    year = year.strip()
    match = YEAR_RE.match(year)
    if not match or int(match.group(2)) != int(match.group(1)) + 1:
        raise AnketaError(
            _(
                "Навчальний рік «%(year)s» має бути у форматі 2024-2025 (два роки поспіль).",
                year=year,
            )
        )
    return year


def validate_slug(slug: str) -> str:
    """Return the slug; raise ``AnketaError`` unless it is lowercase latin, digits and dashes
    (at most 64 characters)."""
    if not slug or len(slug) > MAX_SLUG_LENGTH or not SLUG_RE.match(slug):
        raise AnketaError(
            _(
                "Ідентифікатор «%(slug)s» недопустимий: лише малі латинські літери, цифри й дефіси "
                "(до 64 символів), напр. licei-1.",
                slug=slug,
            )
        )
    return slug


def validate_dates(opens_on: date | None, closes_on: date | None) -> None:
    """Raise ``AnketaError`` when the campaign would close before it opens."""
    if opens_on and closes_on and closes_on < opens_on:
        raise AnketaError(_("Дата завершення не може бути раніше дати початку."))


def create_school(slug: str, name: str) -> School:
    """Create and return a school; raise ``AnketaError`` for a bad or taken slug or empty name."""
    slug = validate_slug(slug.strip())
    name = name.strip()
    if not name:
        raise AnketaError(_("Вкажіть назву закладу."))
    if School.by_slug(slug) is not None:
        raise AnketaError(_("Заклад з ідентифікатором «%(slug)s» уже існує.", slug=slug))
    school = School(slug=slug, name=name)
    db.session.add(school)
    db.session.commit()
    return school


def get_school(slug: str) -> School:
    """Return the school with this slug; raise ``NotFound`` when there is none."""
    school = School.by_slug(slug.strip())
    if school is None:
        raise NotFound(_("Заклад «%(slug)s» не знайдено.", slug=slug))
    return school


def check_new_user(
    email: str, role: str, school_slug: str | None = None
) -> tuple[str, School | None]:
    """Return the normalised email and the school for a user that may be created.

    Raises ``AnketaError`` for a malformed or taken email, an unknown role, a director/member
    without a school, an admin with one, or an unknown school.
    """
    email = email.strip().lower()
    if not EMAIL_RE.match(email) or len(email) > 255:
        raise AnketaError(_("Некоректна адреса електронної пошти: «%(email)s».", email=email))
    if role not in {r.value for r in StaffRole}:
        raise AnketaError(
            _("Невідома роль «%(role)s»: допустимі admin, director, member.", role=role)
        )
    school: School | None = None
    if role == StaffRole.ADMIN:
        if school_slug:
            raise AnketaError(_("Адміністратор не прив'язується до закладу: приберіть --school."))
    elif not school_slug:
        raise AnketaError(_("Для ролі %(role)s вкажіть заклад (--school).", role=role))
    else:
        school = get_school(school_slug)
    if User.by_email(email) is not None:
        raise AnketaError(_("Користувач %(email)s уже існує.", email=email))
    return email, school


def create_user(email: str, role: str, password: str, school_slug: str | None = None) -> User:
    """Create and return a staff user.

    Raises ``AnketaError`` for everything ``check_new_user`` refuses and for a password that
    ``app.accounts.password_problem`` refuses.
    """
    email, school = check_new_user(email, role, school_slug)
    check_password_rules(password)
    user = User(email=email, role=role, school=school)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def find_direction(school: School, code: str) -> Direction:
    """Return the school's own copy of a direction, else the library one; raise ``NotFound``."""
    own = db.session.scalar(
        select(Direction).where(Direction.code == code, Direction.school_id == school.id)
    )
    direction = own or Direction.library(code)
    if direction is None:
        raise NotFound(_("Напрям «%(code)s» не знайдено.", code=code))
    return direction


def library_directions() -> list[Direction]:
    """Return the bundled directions (no school), ordered by title."""
    return list(
        db.session.scalars(
            select(Direction).where(Direction.school_id.is_(None)).order_by(Direction.title)
        )
    )


def default_title(direction: Direction, academic_year: str) -> str:
    """Return the campaign title used when none is given."""
    return _(
        "Самооцінювання: %(direction)s, %(year)s", direction=direction.title, year=academic_year
    )


def create_campaign(
    school: School,
    direction_code: str,
    academic_year: str,
    title: str | None = None,
    opens_on: date | None = None,
    closes_on: date | None = None,
) -> Campaign:
    """Create and return a campaign with one respondent link per role that has a questionnaire.

    Each link gets a fresh unguessable token and points at the latest questionnaire version of
    its role. Raises ``AnketaError`` for a bad year, closes before opens, an unknown direction
    or a direction without any questionnaire.
    """
    academic_year = validate_academic_year(academic_year)
    validate_dates(opens_on, closes_on)
    direction = find_direction(school, direction_code.strip())
    latest = {role: Questionnaire.latest(direction.id, role) for role in ROLES}
    if not any(latest.values()):
        raise AnketaError(
            _("Для напряму «%(title)s» ще немає жодної анкети.", title=direction.title)
        )
    campaign = Campaign(
        school=school,
        direction=direction,
        academic_year=academic_year,
        title=(title or "").strip() or default_title(direction, academic_year),
        opens_on=opens_on,
        closes_on=closes_on,
        links=[
            RespondentLink(role=role, questionnaire=questionnaire, token=new_token())
            for role, questionnaire in latest.items()
            if questionnaire is not None
        ],
    )
    db.session.add(campaign)
    db.session.commit()
    return campaign


def create_campaign_for(
    user: User,
    school_id: int | None,
    direction_code: str,
    academic_year: str,
    title: str | None = None,
    opens_on: date | None = None,
    closes_on: date | None = None,
) -> Campaign:
    """Create a campaign on behalf of a staff user and return it (see ``create_campaign``).

    An admin names the school; members always create for their own school (``school_id`` is
    ignored). Raises ``AnketaError`` when the user may not create campaigns, has no school, or
    names an unknown school, and for every rule of ``create_campaign``.
    """
    if not user.can_edit:
        raise AnketaError(_("Створювати кампанії можуть лише члени робочої групи."))
    school = db.session.get(School, school_id) if user.is_admin and school_id else user.school
    if school is None:
        raise AnketaError(_("Оберіть заклад освіти."))
    return create_campaign(school, direction_code, academic_year, title, opens_on, closes_on)


def list_campaigns(school: School | None = None) -> list[Campaign]:
    """Return the campaigns of a school (every school's when None), newest first."""
    query = (
        select(Campaign)
        .options(selectinload(Campaign.school), selectinload(Campaign.direction))
        .order_by(Campaign.academic_year.desc(), Campaign.created_at.desc(), Campaign.id.desc())
    )
    if school is not None:
        query = query.where(Campaign.school_id == school.id)
    return list(db.session.scalars(query))


def campaigns_for(user: User) -> list[Campaign]:
    """Return the campaigns the user may see (all for an admin, none without a school)."""
    if user.is_admin:
        return list_campaigns()
    if user.school is None:
        return []
    return list_campaigns(user.school)


def _link(campaign: Campaign, role: str) -> RespondentLink:
    link = campaign.link_for(role)
    if link is None:
        raise NotFound(_("У кампанії немає посилання для ролі «%(role)s».", role=role))
    return link


def rotate_token(campaign: Campaign, role: str) -> RespondentLink:
    """Give the role's link a new token and return it; the old link stops working at once.

    Raises ``NotFound`` when the campaign has no link for the role.
    """
    link = _link(campaign, role)
    link.token = new_token()
    db.session.commit()
    return link


def set_expected_counts(campaign: Campaign, counts: Mapping[str, int | None]) -> None:
    """Store how many respondents each role is expected to have (None clears it).

    Raises ``AnketaError`` for a negative count; roles without a link are ignored.
    """
    for role, count in counts.items():
        if count is not None and count < 0:
            raise AnketaError(_("Кількість респондентів не може бути від'ємною."))
        link = campaign.link_for(role)
        if link is not None:
            link.expected_count = count
    db.session.commit()


def response_rates(campaign: Campaign) -> dict[str, float | None]:
    """Return each linked role's response rate in percent (None without an expected count)."""
    counts = campaign.response_counts()
    rates: dict[str, float | None] = {}
    for link in campaign.links:
        expected = link.expected_count
        rates[link.role] = round(100 * counts.get(link.role, 0) / expected, 1) if expected else None
    return rates


def respondent_url(base_url: str, token: str) -> str:
    """Return the absolute respondent URL for a token under ``base_url``."""
    return f"{base_url.rstrip('/')}/s/{token}"
