"""WTForms for the staff pages. Forms check the shape of the input; services check the rules."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError

from app import vocabulary
from app.extensions import db
from app.models import School, User
from app.staff.services import current_academic_year, library_directions

#: The group names of app.vocabulary, translated when shown.
ROLE_LABELS = {role: _l(label) for role, label in vocabulary.ROLE_LABELS.items()}


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class CampaignForm(FlaskForm):
    """A new campaign. ``school_id`` is shown to admins only (others use their own school)."""

    school_id = SelectField(_l("Заклад освіти"), coerce=int, validate_choice=True)
    direction = SelectField(_l("Напрям"), validators=[DataRequired()])
    academic_year = StringField(
        _l("Навчальний рік"),
        validators=[
            DataRequired(),
            Regexp(r"^\d{4}-\d{4}$", message=_l("Формат: 2024-2025.")),
        ],
    )
    title = StringField(
        _l("Назва (необов'язково)"), validators=[Optional(), Length(max=300)], filters=[_strip]
    )
    opens_on = DateField(_l("Початок опитування"), validators=[Optional()])
    closes_on = DateField(_l("Завершення опитування"), validators=[Optional()])
    submit = SubmitField(_l("Створити кампанію"))

    def validate_closes_on(self, field: DateField) -> None:
        if field.data and self.opens_on.data and field.data < self.opens_on.data:
            raise ValidationError(_l("Дата завершення не може бути раніше дати початку."))


def _count_field(label: Any) -> IntegerField:
    return IntegerField(label, validators=[Optional(), NumberRange(min=0, max=100_000)])


class ExpectedCountsForm(FlaskForm):
    """How many teachers, students and parents the working group expects to answer."""

    teachers = _count_field(ROLE_LABELS["teachers"])
    students = _count_field(ROLE_LABELS["students"])
    parents = _count_field(ROLE_LABELS["parents"])
    submit = SubmitField(_l("Зберегти"))

    def counts(self) -> dict[str, int | None]:
        """Return the entered count per role (None where left empty)."""
        return {role: getattr(self, role).data for role in ROLE_LABELS}


class ConfirmForm(FlaskForm):
    """An empty form: only the CSRF token, for POST buttons such as «Змінити посилання»."""


def campaign_form_for(user: User, today: date) -> CampaignForm:
    """Return the new-campaign form with its choices filled for this user.

    Admins choose the school; everyone else creates campaigns for their own school, so the field
    is removed. The year defaults to the current academic year.
    """
    form = CampaignForm()
    if user.is_admin:
        schools = db.session.scalars(select(School).order_by(School.name))
        form.school_id.choices = [(school.id, school.name) for school in schools]
    else:
        del form.school_id
    form.direction.choices = [
        (direction.code, direction.title) for direction in library_directions()
    ]
    if not form.is_submitted():
        form.academic_year.data = current_academic_year(today)
    return form
