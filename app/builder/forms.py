"""WTForms of the builder pages. Forms check the shape of the input; the service the rules."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # WTForms 3.3 has it, types-WTForms 3.2 not yet
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.forms import PrintableTextForm
from app.models import Direction

TYPE_LABELS = {
    "single": _l("Один варіант"),
    "multiple": _l("Кілька варіантів"),
    "text": _l("Відкрита відповідь (текст)"),
}


class ConfirmForm(FlaskForm):
    """A bare POST button (CSRF only)."""


class StartForm(FlaskForm):
    """Start the campaign's own questionnaires: from the library's or from scratch."""

    source = HiddenField(validators=[DataRequired()])


class MoveForm(FlaskForm):
    """Move a question up or down."""

    step = SelectField(
        choices=[SelectChoice("-1", "up"), SelectChoice("1", "down")], validators=[DataRequired()]
    )


class SettingsForm(FlaskForm):
    """The questionnaire's title and introduction."""

    title = StringField(_l("Назва анкети"), validators=[DataRequired(), Length(max=500)])
    intro = TextAreaField(_l("Вступ (звернення до респондентів)"), validators=[Length(max=5000)])


class UploadForm(FlaskForm):
    """A questionnaire file (YAML) to replace the role's questionnaire."""

    file = FileField(_l("Файл анкети (.yaml)"), validators=[FileRequired()])


class DirectionForm(FlaskForm):
    """The school's direction definition (requirements, topics, scales) as YAML."""

    text = TextAreaField(_l("Опис напряму (YAML)"), validators=[DataRequired()])


class QuestionForm(PrintableTextForm):
    """One question of a questionnaire. Choices of topic, requirement and scale come from the
    direction (see :func:`question_form`). No text may hold a control character."""

    key = StringField(_l("Ідентифікатор (id)"), validators=[DataRequired(), Length(max=64)])
    number = IntegerField(_l("Номер"), validators=[DataRequired(), NumberRange(min=1)])
    text = TextAreaField(_l("Текст запитання"), validators=[DataRequired(), Length(max=2000)])
    type = SelectField(
        _l("Тип"), choices=[SelectChoice(key, label) for key, label in TYPE_LABELS.items()]
    )
    instruction = StringField(_l("Інструкція"), validators=[Optional(), Length(max=500)])
    required = BooleanField(_l("Обов'язкове"))
    topic = SelectField(_l("Тема"), validate_choice=True)
    requirement = SelectField(_l("Вимога (якщо без теми)"), validate_choice=True)
    scale = SelectField(_l("Шкала відповідей"), validate_choice=True)
    options = TextAreaField(_l("Власні варіанти: один на рядок, «id | текст | значення»"))
    measures = StringField(
        _l("Порівнювати з іншими ролями (спільний id конструкту)"),
        validators=[Optional(), Length(max=64)],
    )
    segment = BooleanField(_l("Сегмент (групувати відповіді, напр. за класом)"))
    report_lead = StringField(
        _l("Фраза для довідки (необов'язково)"), validators=[Optional(), Length(max=1000)]
    )

    def fields_data(self) -> dict[str, Any]:
        """Return the submitted values as the service expects them."""
        return {name: self[name].data for name in self._fields if name != "csrf_token"}


def question_form(direction: Direction, **kwargs: Any) -> QuestionForm:
    """Return a :class:`QuestionForm` whose choices are the direction's topics, requirements
    and scales."""
    form = QuestionForm(**kwargs)
    definition = direction.definition
    form.topic.choices = [SelectChoice("", _l("— без теми —"))] + [
        SelectChoice(topic["id"], f"{requirement['id']} · {topic['title']}")
        for requirement in definition.get("requirements", [])
        for topic in requirement.get("topics", [])
    ]
    form.requirement.choices = [SelectChoice("", _l("— за темою —"))] + [
        SelectChoice(requirement["id"], f"{requirement['id']} {requirement['title'][:80]}")
        for requirement in definition.get("requirements", [])
    ]
    form.scale.choices = [SelectChoice("", _l("— власні варіанти —"))] + [
        SelectChoice(key, " / ".join(option["text"] for option in scale["options"]))
        for key, scale in definition.get("scales", {}).items()
    ]
    return form
