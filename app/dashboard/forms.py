"""The forms of the dashboard: the довідка's texts and the level override."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional

from app.forms import PrintableTextForm
from app.vocabulary import LEVEL_LABELS

MAX_TEXT = 20_000
MAX_LINE = 300


def level_choices() -> list[tuple[str, str]]:
    """Return the level select's choices: «as computed» (empty) and the four levels."""
    levels = [(code, _l(label)) for code, label in LEVEL_LABELS.items()]
    return [("", _l("Як розраховано (без зміни)")), *levels]


class LevelForm(PrintableTextForm):
    """The working group's level override with its justification."""

    level_override = SelectField(
        _l("Рівень"), choices=level_choices, validate_choice=True, default=""
    )
    level_justification = TextAreaField(
        _l("Обґрунтування"), validators=[Optional(), Length(max=MAX_TEXT)]
    )
    submit = SubmitField(_l("Зберегти рівень"))


class TextsForm(PrintableTextForm):
    """The довідка's texts; ``texts_form_class`` adds a note field per topic and requirement.
    No text may hold a control character (:class:`PrintableTextForm`)."""

    period = StringField(
        _l("Період самооцінювання"), validators=[Optional(), Length(max=MAX_LINE)],
        description=_l("Напр. «лютому – квітні 2025 р.»"),
    )  # fmt: skip
    order_number = StringField(_l("Номер наказу"), validators=[Optional(), Length(max=50)])
    order_date = StringField(_l("Дата наказу"), validators=[Optional(), Length(max=50)])
    working_group = TextAreaField(
        _l("Склад робочої групи"), validators=[Optional(), Length(max=MAX_TEXT)],
        description=_l("Одна особа в рядку."),
    )  # fmt: skip
    introduction = TextAreaField(
        _l("Вступ: додаткові відомості"), validators=[Optional(), Length(max=MAX_TEXT)]
    )
    shortcomings = TextAreaField(
        _l("Недоліки"), validators=[Optional(), Length(max=MAX_TEXT)],
        description=_l("Один пункт у рядку."),
    )  # fmt: skip
    improvements = TextAreaField(
        _l("Шляхи вдосконалення"), validators=[Optional(), Length(max=MAX_TEXT)],
        description=_l("Один пункт у рядку."),
    )  # fmt: skip
    recommendations = TextAreaField(
        _l("Рекомендації"), validators=[Optional(), Length(max=MAX_TEXT)],
        description=_l("Одна рекомендація в рядку; рядки з «- » — її підпункти."),
    )  # fmt: skip
    level_override = SelectField(
        _l("Рівень оцінювання"), choices=level_choices, validate_choice=True, default=""
    )
    level_justification = TextAreaField(
        _l("Обґрунтування рівня"), validators=[Optional(), Length(max=MAX_TEXT)],
        description=_l("Обов'язкове, якщо рівень змінено (щонайменше 10 символів)."),
    )  # fmt: skip
    closing = TextAreaField(_l("Завершальний абзац"), validators=[Optional(), Length(max=MAX_TEXT)])
    signed_by = StringField(_l("Підпис"), validators=[Optional(), Length(max=MAX_LINE)])
    submit = SubmitField(_l("Зберегти тексти"))


def texts_form_class(
    topics: list[tuple[str, str]], requirements: list[tuple[str, str]]
) -> type[TextsForm]:
    """Return a TextsForm subclass with ``topic_<id>`` and ``requirement_<n>`` note fields."""

    class CampaignTextsForm(TextsForm):
        pass

    for index, (code, title) in enumerate(requirements):
        setattr(
            CampaignTextsForm,
            f"requirement_{index}",
            TextAreaField(f"{code}. {title}", validators=[Optional(), Length(max=MAX_TEXT)]),
        )
    for topic_id, title in topics:
        setattr(
            CampaignTextsForm,
            f"topic_{topic_id}",
            TextAreaField(title, validators=[Optional(), Length(max=MAX_TEXT)]),
        )
    return CampaignTextsForm
