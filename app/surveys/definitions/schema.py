"""Validation of questionnaire files: a parsed (line-marked) YAML document in, a normalised plain
definition and a list of ``file:line: field: message`` errors out.

The format is documented in docs/questionnaires.md; this module is its executable form. Nothing
here touches the database or Flask, so the CLI, the library loader and the builder's upload and
editor pages all validate through it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from app.analysis.rules import positive_values
from app.surveys.definitions.yaml_format import MarkedDict, MarkedList
from app.text_safety import code_point, control_character
from app.vocabulary import DEFAULT_KEY_GAP, DEFAULT_LEVELS, DEFAULT_MIN_GROUP_SIZE, N_, ROLES

QUESTION_TYPES = ("single", "multiple", "text")
LANGUAGES = ("uk", "ru", "bg", "en")
DEFAULT_INSTRUCTIONS = {
    "single": N_("Виберіть лише один варіант."),
    "multiple": N_("Виберіть усе, що підходить."),
    "text": None,
}
DEFAULT_REQUIRED = {"single": True, "multiple": False, "text": False}
# Keys of ``report`` that the loader uses itself (a requirement-only question's requirement).
RESERVED_REPORT_KEYS = ("requirement",)

# Caps: a file of 12,000 questions was once accepted, and the builder then took 12.7 s a page.
# A list past its cap is one error and its items are not read.
MAX_QUESTIONS = 300
MAX_OPTIONS = 50
MAX_REQUIREMENTS = 100
MAX_TOPICS = 100  # per requirement
MAX_SCALES = 50
#: Characters a text may have, by its key (the builder's forms allow as much); others
#: :data:`DEFAULT_TEXT_LENGTH`.
TEXT_LENGTHS = {"title": 500, "instruction": 500, "intro": 5000}
DEFAULT_TEXT_LENGTH = 2000

_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_OPTION_ID = re.compile(r"^[a-z0-9][a-z0-9_]{0,63}$")
_REQUIREMENT_ID = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,31}$")
_DIRECTION_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")

DIRECTION_KEYS = (
    "id",
    "language",
    "title",
    "requirements",
    "constructs",
    "scales",
    "levels",
    "key_gap",
    "min_group_size",
    "translations",
)
REQUIREMENT_KEYS = ("id", "title", "topics", "translations")
TOPIC_KEYS = ("id", "title", "translations")
SCALE_KEYS = ("options", "positive")
OPTION_KEYS = ("id", "text", "value", "translations")
ROLE_FILE_KEYS = ("direction", "role", "title", "intro", "language", "questions")
QUESTION_KEYS = (
    "id",
    "number",
    "text",
    "instruction",
    "type",
    "scale",
    "options",
    "required",
    "requirement",
    "topic",
    "measures",
    "segment",
    "report",
    "translations",
)
QUESTION_TRANSLATION_KEYS = ("text", "instruction", "options")


@dataclass(frozen=True)
class ValidationError:
    """One problem in a questionnaire file; ``str()`` gives ``file:line: field: message``."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.message}"


class Checker:
    """Collects the errors of one file while its fields are read."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.errors: list[ValidationError] = []

    def error(self, line: int, field: str, message: str) -> None:
        self.errors.append(ValidationError(self.file, line, field, message))

    def mapping(self, value: Any, line: int, field: str) -> MarkedDict | None:
        if isinstance(value, MarkedDict):
            for key, key_line in value.duplicate_keys:
                self.error(key_line, _join(field, str(key)), _("поле вказано двічі"))
            return value
        self.error(
            line, field, _("очікується словник (ключ: значення), а не %(kind)s", kind=_kind(value))
        )
        return None

    def sequence(self, value: Any, line: int, field: str) -> MarkedList | None:
        if isinstance(value, MarkedList):
            return value
        self.error(
            line, field, _("очікується список (рядки з «- »), а не %(kind)s", kind=_kind(value))
        )
        return None

    def unknown_keys(self, data: MarkedDict, allowed: Iterable[str], field: str) -> None:
        allowed = tuple(allowed)
        for key in data:
            if key in allowed:
                continue
            hint = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
            suggestion = _("; можливо, «%(hint)s»?", hint=hint[0]) if hint else ""
            self.error(
                data.line_of(key),
                _join(field, str(key)),
                _(
                    "невідоме поле%(suggestion)s (допустимі: %(allowed)s)",
                    suggestion=suggestion,
                    allowed=", ".join(allowed),
                ),
            )

    def text(self, data: MarkedDict, key: str, field: str, required: bool = True) -> str | None:
        if key not in data or data[key] is None:
            if required:
                self.error(data.line, _join(field, key), _("обов'язкове поле відсутнє"))
            return None
        value = data[key]
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.error(
                data.line_of(key),
                _join(field, key),
                _("очікується текст, а не %(kind)s", kind=_kind(value)),
            )
            return None
        value = str(value).strip()
        if not value:
            if required:
                self.error(data.line_of(key), _join(field, key), _("текст не може бути порожнім"))
            return None
        if problem := _text_problem(value, TEXT_LENGTHS.get(key, DEFAULT_TEXT_LENGTH)):
            self.error(data.line_of(key), _join(field, key), problem)
            return None
        return value

    def capped(self, items: MarkedList, line: int, field: str, cap: int, what: str) -> bool:
        """Return True if ``items`` is within ``cap``; else note one error at ``line`` (the
        key's) and return False: the caller then reads none of the items, so a file of
        12,000 questions costs no more than its parsing."""
        if len(items) <= cap:
            return True
        self.error(
            line,
            field,
            _(
                "забагато %(what)s: %(n)s (можна не більше %(cap)s)",
                what=what,
                n=len(items),
                cap=cap,
            ),
        )
        return False

    def identifier(
        self,
        data: MarkedDict,
        key: str,
        field: str,
        pattern: re.Pattern[str] = _IDENTIFIER,
        required: bool = True,
        example: str = "criteria_understanding",
    ) -> str | None:
        if key not in data or data[key] is None:
            if required:
                self.error(data.line, _join(field, key), _("обов'язкове поле відсутнє"))
            return None
        value = data[key]
        line = data.line_of(key)
        if isinstance(value, float):
            self.error(
                line,
                _join(field, key),
                _('число %(value)s візьміть у лапки, напр. "%(value)s"', value=value),
            )
            return None
        if isinstance(value, bool) or not isinstance(value, str | int):
            self.error(
                line,
                _join(field, key),
                _("очікується ідентифікатор, а не %(kind)s", kind=_kind(value)),
            )
            return None
        value = str(value)
        if not pattern.fullmatch(value):
            self.error(
                line,
                _join(field, key),
                _(
                    "недопустимий ідентифікатор «%(value)s» (латинські малі літери, цифри, "
                    "«_», напр. %(example)s)",
                    value=value,
                    example=example,
                ),
            )
            return None
        return value

    def boolean(self, data: MarkedDict, key: str, field: str, default: bool) -> bool:
        if key not in data or data[key] is None:
            return default
        value = data[key]
        if not isinstance(value, bool):
            self.error(data.line_of(key), _join(field, key), _("очікується true або false"))
            return default
        return value

    def integer(
        self, data: MarkedDict, key: str, field: str, minimum: int | None = None
    ) -> int | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(
                data.line_of(key),
                _join(field, key),
                _("очікується ціле число, а не %(kind)s", kind=_kind(value)),
            )
            return None
        if minimum is not None and value < minimum:
            self.error(
                data.line_of(key),
                _join(field, key),
                _("має бути не менше %(minimum)s", minimum=minimum),
            )
            return None
        return value

    def number(
        self, data: MarkedDict, key: str, field: str, low: float, high: float
    ) -> float | None:
        value = data.get(key)
        if value is None:
            self.error(data.line, _join(field, key), _("обов'язкове поле відсутнє"))
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.error(
                data.line_of(key),
                _join(field, key),
                _("очікується число, а не %(kind)s", kind=_kind(value)),
            )
            return None
        if not low <= value <= high:
            self.error(
                data.line_of(key),
                _join(field, key),
                _("має бути від %(low)s до %(high)s", low=format(low, "g"), high=format(high, "g")),
            )
            return None
        return value

    def string_mapping(self, data: MarkedDict, key: str, field: str) -> dict[str, str] | None:
        if key not in data or data[key] is None:
            return None
        value = self.mapping(data[key], data.line_of(key), _join(field, key))
        if value is None:
            return None
        result: dict[str, str] = {}
        for item_key, item in value.items():
            if not isinstance(item_key, str) or not isinstance(item, str) or not item.strip():
                self.error(
                    value.line_of(item_key),
                    _join(field, key, str(item_key)),
                    _("очікується непорожній текст"),
                )
                continue
            if problem := _text_problem(item.strip(), DEFAULT_TEXT_LENGTH):
                self.error(value.line_of(item_key), _join(field, key, item_key), problem)
                continue
            result[item_key] = item.strip()
        return result or None

    def translations(
        self,
        data: MarkedDict,
        field: str,
        allowed: tuple[str, ...],
        option_ids: Iterable[str] | None = (),
    ) -> dict[str, Any] | None:
        """Read ``translations: {lang: {key: text}}`` (``options`` nested for questions).

        ``option_ids`` None: the question's options are unknown (an earlier error), so
        translated option ids are not checked.
        """
        if "translations" not in data or data["translations"] is None:
            return None
        base = _join(field, "translations")
        value = self.mapping(data["translations"], data.line_of("translations"), base)
        if value is None:
            return None
        known_options = None if option_ids is None else set(option_ids)
        result: dict[str, Any] = {}
        for language, entry in value.items():
            line = value.line_of(language)
            if language not in LANGUAGES:
                self.error(
                    line,
                    _join(base, str(language)),
                    _("невідома мова (допустимі: %(allowed)s)", allowed=", ".join(LANGUAGES)),
                )
                continue
            entry = self.mapping(entry, line, _join(base, language))
            if entry is None:
                continue
            self.unknown_keys(entry, allowed, _join(base, language))
            translated: dict[str, Any] = {}
            for key in allowed:
                if key not in entry:
                    continue
                if key == "options":
                    options = self.string_mapping(entry, "options", _join(base, language))
                    for option_id in options or {}:
                        if known_options is not None and option_id not in known_options:
                            self.error(
                                entry["options"].line_of(option_id),
                                _join(base, language, "options", option_id),
                                _("немає такого варіанта відповіді"),
                            )
                    if options:
                        translated["options"] = options
                else:
                    text = self.text(entry, key, _join(base, language), required=False)
                    if text:
                        translated[key] = text
            if translated:
                result[language] = translated
        return result or None


def _text_problem(text: str, limit: int) -> str | None:
    """Return what is wrong with a text (a control character, too long), or None."""
    char = control_character(text)
    if char is not None:
        return _(
            "недопустимий керівний символ %(code_point)s (невидимий, найчастіше з "
            "копіювання): видаліть його",
            code_point=code_point(char),
        )
    if len(text) > limit:
        return _(
            "текст задовгий (%(n)s символів; можна не більше %(limit)s)", n=len(text), limit=limit
        )
    return None


def _join(*parts: str) -> str:
    return ".".join(part for part in parts if part)


def _kind(value: Any) -> str:
    if value is None:
        return _("порожнє значення")
    if isinstance(value, bool):
        return _("логічне значення")
    if isinstance(value, int | float):
        return _("число")
    if isinstance(value, str):
        return _("текст")
    if isinstance(value, list):
        return _("список")
    if isinstance(value, dict):
        return _("словник")
    return type(value).__name__


# --- direction files --------------------------------------------------------------------------


def check_direction(raw: Any, file: str) -> tuple[dict[str, Any] | None, list[ValidationError]]:
    """Validate a parsed direction file.

    Returns the normalised definition (plain dicts, defaults filled in) and the errors; the
    definition is None when there is any error.
    """
    check = Checker(file)
    data = check.mapping(raw, getattr(raw, "line", 1), "")
    if data is None:
        return None, check.errors
    check.unknown_keys(data, DIRECTION_KEYS, "")
    direction_id = check.identifier(
        data, "id", "", pattern=_DIRECTION_ID, example="assessment-system"
    )
    language = check.text(data, "language", "", required=False) or "uk"
    if language not in LANGUAGES:
        check.error(
            data.line_of("language"),
            "language",
            _("невідома мова (допустимі: %(allowed)s)", allowed=", ".join(LANGUAGES)),
        )
    title = check.text(data, "title", "")
    requirements = _check_requirements(check, data)
    constructs = _check_constructs(check, data)
    scales = _check_scales(check, data)
    levels = _check_levels(check, data)
    key_gap = _check_key_gap(check, data)
    min_group_size = check.integer(data, "min_group_size", "", minimum=3)
    translations = check.translations(data, "", ("title",))
    if check.errors:
        return None, check.errors
    definition: dict[str, Any] = {
        "id": direction_id,
        "language": language,
        "title": title,
        "requirements": requirements,
        "scales": scales,
        "levels": levels,
        "key_gap": key_gap,
        "min_group_size": min_group_size or DEFAULT_MIN_GROUP_SIZE,
    }
    if constructs:
        definition["constructs"] = constructs
    if translations:
        definition["translations"] = translations
    return definition, []


def _check_constructs(check: Checker, data: MarkedDict) -> dict[str, str]:
    """Return {construct id: name} of the optional ``constructs:`` mapping (the names the
    results page gives the questions that share a ``measures:``)."""
    if data.get("constructs") is None:
        return {}
    constructs = check.mapping(data["constructs"], data.line_of("constructs"), "constructs")
    if constructs is None:
        return {}
    names = {}
    for construct in constructs:
        name = check.text(constructs, construct, "constructs")
        if name:
            names[str(construct)] = name
    return names


def _check_requirements(check: Checker, data: MarkedDict) -> list[dict[str, Any]]:
    if "requirements" not in data:
        check.error(data.line, "requirements", _("обов'язкове поле відсутнє"))
        return []
    items = check.sequence(data["requirements"], data.line_of("requirements"), "requirements")
    if items is None:
        return []
    if not items:
        check.error(items.line, "requirements", _("потрібна хоча б одна вимога"))
    if not check.capped(
        items, data.line_of("requirements"), "requirements", MAX_REQUIREMENTS, _("вимог")
    ):
        return []
    result = []
    requirement_ids: set[str] = set()
    topic_ids: set[str] = set()
    for index, item in enumerate(items):
        field = f"requirements[{index + 1}]"
        item = check.mapping(item, items.line_of(index), field)
        if item is None:
            continue
        check.unknown_keys(item, REQUIREMENT_KEYS, field)
        requirement_id = check.identifier(
            item, "id", field, pattern=_REQUIREMENT_ID, example='"2.1"'
        )
        if requirement_id in requirement_ids:
            check.error(
                item.line_of("id"),
                _join(field, "id"),
                _("вимога «%(requirement_id)s» вже є", requirement_id=requirement_id),
            )
        requirement_ids.add(requirement_id or "")
        requirement: dict[str, Any] = {
            "id": requirement_id,
            "title": check.text(item, "title", field),
            "topics": [],
        }
        raw_topics = item.get("topics")
        topics = (
            check.sequence(raw_topics, item.line_of("topics"), _join(field, "topics"))
            if raw_topics is not None
            else None
        ) or MarkedList()
        if topics and not check.capped(
            topics, item.line_of("topics"), _join(field, "topics"), MAX_TOPICS, _("тем")
        ):
            topics = MarkedList()
        for topic_index, raw_topic in enumerate(topics):
            topic_field = _join(field, f"topics[{topic_index + 1}]")
            topic = check.mapping(raw_topic, topics.line_of(topic_index), topic_field)
            if topic is None:
                continue
            check.unknown_keys(topic, TOPIC_KEYS, topic_field)
            topic_id = check.identifier(topic, "id", topic_field)
            if topic_id in topic_ids:
                check.error(
                    topic.line_of("id"),
                    _join(topic_field, "id"),
                    _("тема «%(topic_id)s» вже є", topic_id=topic_id),
                )
            topic_ids.add(topic_id or "")
            entry: dict[str, Any] = {
                "id": topic_id,
                "title": check.text(topic, "title", topic_field),
            }
            if translations := check.translations(topic, topic_field, ("title",)):
                entry["translations"] = translations
            requirement["topics"].append(entry)
        if translations := check.translations(item, field, ("title",)):
            requirement["translations"] = translations
        result.append(requirement)
    return result


def _check_options(
    check: Checker, value: Any, line: int, field: str, in_scale: bool = False
) -> list[dict[str, Any]] | None:
    items = check.sequence(value, line, field)
    if items is None or not check.capped(items, line, field, MAX_OPTIONS, _("варіантів відповіді")):
        return None
    result = []
    ids: set[str] = set()
    values: dict[int, str] = {}
    for index, item in enumerate(items):
        option_field = f"{field}[{index + 1}]"
        item = check.mapping(item, items.line_of(index), option_field)
        if item is None:
            continue
        allowed = OPTION_KEYS if in_scale else OPTION_KEYS[:-1]
        check.unknown_keys(item, allowed, option_field)
        option_id = check.identifier(item, "id", option_field, pattern=_OPTION_ID, example="full")
        if option_id is not None:
            if option_id in ids:
                check.error(
                    item.line_of("id"),
                    _join(option_field, "id"),
                    _("варіант «%(option_id)s» вже є", option_id=option_id),
                )
            ids.add(option_id)
        text = check.text(item, "text", option_field)
        option_value = check.integer(item, "value", option_field)
        if option_value is not None:
            if option_value in values:
                check.error(
                    item.line_of("value"),
                    _join(option_field, "value"),
                    _(
                        "значення %(option_value)s вже має варіант «%(values)s»",
                        option_value=option_value,
                        values=values[option_value],
                    ),
                )
            values[option_value] = option_id or ""
        option: dict[str, Any] = {"id": option_id, "text": text, "value": option_value}
        if in_scale and item.get("translations") is not None:
            translated = check.string_mapping(item, "translations", option_field)
            for language in translated or {}:
                if language not in LANGUAGES:
                    check.error(
                        item["translations"].line_of(language),
                        _join(option_field, "translations", language),
                        _("невідома мова (допустимі: %(allowed)s)", allowed=", ".join(LANGUAGES)),
                    )
            if translated:
                option["translations"] = translated
        result.append(option)
    if len(items) < 2:
        check.error(items.line, field, _("потрібно щонайменше два варіанти відповіді"))
    return result


def default_positive(options: list[dict[str, Any]]) -> list[str]:
    """Return the option ids that count as a positive answer when a scale names none: those
    whose value is among the scale's top levels, by the analysis's own rule
    (``app.analysis.rules.positive_values``), in the scale's order."""
    good = positive_values([o["value"] for o in options if o.get("value") is not None])
    return [option["id"] for option in options if option.get("value") in good]


def _check_scales(check: Checker, data: MarkedDict) -> dict[str, Any]:
    if "scales" not in data or data["scales"] is None:
        return {}
    scales = check.mapping(data["scales"], data.line_of("scales"), "scales")
    if scales is None:
        return {}
    if len(scales) > MAX_SCALES:
        check.error(
            scales.line,
            "scales",
            _(
                "забагато шкал: %(n)s (можна не більше %(MAX_SCALES)s)",
                n=len(scales),
                MAX_SCALES=MAX_SCALES,
            ),
        )
        return {}
    result: dict[str, Any] = {}
    for scale_id, scale in scales.items():
        field = f"scales.{scale_id}"
        line = scales.line_of(scale_id)
        if not isinstance(scale_id, str) or not _IDENTIFIER.fullmatch(scale_id):
            check.error(line, field, _("недопустимий ідентифікатор шкали (напр. degree)"))
            continue
        scale = check.mapping(scale, line, field)
        if scale is None:
            continue
        check.unknown_keys(scale, SCALE_KEYS, field)
        if "options" not in scale:
            check.error(scale.line, _join(field, "options"), _("обов'язкове поле відсутнє"))
            continue
        options = _check_options(
            check, scale["options"], scale.line_of("options"), _join(field, "options"), True
        )
        if options is None:
            continue
        entry: dict[str, Any] = {"options": options}
        if "positive" in scale:
            positive = check.sequence(
                scale["positive"], scale.line_of("positive"), _join(field, "positive")
            )
            valued = {option["id"] for option in options if option["value"] is not None}
            positive = positive or MarkedList()
            for index, option_id in enumerate(positive):
                if option_id not in valued:
                    check.error(
                        positive.line_of(index),
                        _join(field, "positive"),
                        _(
                            "«%(option_id)s» не є варіантом цієї шкали зі значенням (value)",
                            option_id=option_id,
                        ),
                    )
            entry["positive"] = [str(option_id) for option_id in positive]
        else:
            entry["positive"] = default_positive(options)
        result[scale_id] = entry
    return result


def _check_levels(check: Checker, data: MarkedDict) -> dict[str, float]:
    if "levels" not in data or data["levels"] is None:
        return dict(DEFAULT_LEVELS)
    levels = check.mapping(data["levels"], data.line_of("levels"), "levels")
    if levels is None:
        return dict(DEFAULT_LEVELS)
    check.unknown_keys(levels, tuple(DEFAULT_LEVELS), "levels")
    result = {key: check.number(levels, key, "levels", 0, 100) for key in DEFAULT_LEVELS}
    high, sufficient, needs = (result[key] for key in DEFAULT_LEVELS)
    if (
        high is not None
        and sufficient is not None
        and needs is not None
        and not high > sufficient > needs
    ):
        check.error(
            levels.line, "levels", _("пороги мають спадати: high > sufficient > needs_improvement")
        )
    return {key: value for key, value in result.items() if value is not None}


def _check_key_gap(check: Checker, data: MarkedDict) -> dict[str, float]:
    if "key_gap" not in data or data["key_gap"] is None:
        return dict(DEFAULT_KEY_GAP)
    key_gap = check.mapping(data["key_gap"], data.line_of("key_gap"), "key_gap")
    if key_gap is None:
        return dict(DEFAULT_KEY_GAP)
    check.unknown_keys(key_gap, tuple(DEFAULT_KEY_GAP), "key_gap")
    result = dict(DEFAULT_KEY_GAP)
    # (a number that is not valid is None with an error noted: the definition is refused)
    if "min_difference_pp" in key_gap:
        difference = check.number(key_gap, "min_difference_pp", "key_gap", 0, 100)
        if difference is not None:
            result["min_difference_pp"] = difference
    if "max_p_value" in key_gap:
        p_value = check.number(key_gap, "max_p_value", "key_gap", 0, 1)
        if p_value is not None:
            result["max_p_value"] = p_value
    return result


# --- role files ---------------------------------------------------------------------------------


def topic_requirements(direction: Mapping[str, Any]) -> dict[str, str]:
    """Return {topic id: requirement id} for a normalised direction definition."""
    return {
        topic["id"]: requirement["id"]
        for requirement in direction.get("requirements", [])
        for topic in requirement.get("topics", [])
    }


def check_role_file(
    raw: Any, file: str, direction: Mapping[str, Any] | None
) -> tuple[dict[str, Any] | None, list[ValidationError]]:
    """Validate a parsed role file against its (normalised) direction definition.

    Returns the normalised questionnaire (options of scales resolved, defaults filled in) and
    the errors; the questionnaire is None when there is any error. Without a direction only the
    file's own structure is checked (and the result is None).
    """
    check = Checker(file)
    data = check.mapping(raw, getattr(raw, "line", 1), "")
    if data is None:
        return None, check.errors
    check.unknown_keys(data, ROLE_FILE_KEYS, "")
    direction_id = check.identifier(
        data, "direction", "", pattern=_DIRECTION_ID, example="assessment-system"
    )
    if direction and direction_id and direction_id != direction["id"]:
        check.error(
            data.line_of("direction"),
            "direction",
            _(
                "файл лежить у теці напряму «%(direction)s», а вказано «%(direction_id)s»",
                direction=direction["id"],
                direction_id=direction_id,
            ),
        )
    role = check.text(data, "role", "")
    if role is not None and role not in ROLES:
        check.error(
            data.line_of("role"),
            "role",
            _(
                "невідома роль «%(role)s» (допустимі: %(allowed)s)",
                role=role,
                allowed=", ".join(ROLES),
            ),
        )
    title = check.text(data, "title", "")
    intro = check.text(data, "intro", "", required=False)
    language = check.text(data, "language", "", required=False)
    if language is not None and language not in LANGUAGES:
        check.error(
            data.line_of("language"),
            "language",
            _("невідома мова (допустимі: %(allowed)s)", allowed=", ".join(LANGUAGES)),
        )
    questions = _check_questions(check, data, direction)
    if check.errors or direction is None:
        return None, check.errors
    questionnaire: dict[str, Any] = {
        "direction": direction_id,
        "role": role,
        "title": title,
        "intro": intro,
        "language": language or direction.get("language", "uk"),
        "questions": questions,
    }
    return questionnaire, []


def _check_questions(
    check: Checker, data: MarkedDict, direction: Mapping[str, Any] | None
) -> list[dict[str, Any]]:
    if "questions" not in data:
        check.error(data.line, "questions", _("обов'язкове поле відсутнє"))
        return []
    items = check.sequence(data["questions"], data.line_of("questions"), "questions")
    if items is None:
        return []
    if not items:
        check.error(items.line, "questions", _("потрібне хоча б одне запитання"))
    if not check.capped(
        items, data.line_of("questions"), "questions", MAX_QUESTIONS, _("запитань")
    ):
        return []
    ids: dict[str, int] = {}
    numbers: dict[int, int] = {}
    constructs: dict[str, str] = {}
    result = []
    for index, item in enumerate(items):
        checked = _check_question(check, item, items.line_of(index), index, direction)
        if checked is None:
            continue
        field, line, question = checked
        key = question["id"]
        if key is not None:
            if key in ids:
                check.error(
                    line,
                    _join(field, "id"),
                    _("запитання з id «%(key)s» вже є (рядок %(ids)s)", key=key, ids=ids[key]),
                )
            ids.setdefault(key, line)
        number = question["number"]
        if number is not None:
            if number in numbers:
                check.error(
                    item.line_of("number"),
                    _join(field, "number"),
                    _(
                        "номер %(number)s вже має інше запитання (рядок %(numbers)s)",
                        number=number,
                        numbers=numbers[number],
                    ),
                )
            numbers.setdefault(number, item.line_of("number"))
        construct = question.get("measures")
        if construct:
            if construct in constructs:
                check.error(
                    item.line_of("measures"),
                    _join(field, "measures"),
                    _(
                        "«%(construct)s» вже вимірює запитання «%(constructs)s» цієї анкети",
                        construct=construct,
                        constructs=constructs[construct],
                    ),
                )
            constructs.setdefault(construct, key or "")
        question["_line"] = item.line_of("measures") if "measures" in item else line
        result.append(question)
    return result


def _check_question(
    check: Checker,
    item: Any,
    line: int,
    index: int,
    direction: Mapping[str, Any] | None,
) -> tuple[str, int, dict[str, Any]] | None:
    raw_id = item.get("id") if isinstance(item, dict) else None
    valid_id = isinstance(raw_id, str) and _IDENTIFIER.fullmatch(raw_id)
    field = f"questions[{raw_id}]" if valid_id else f"questions[{index + 1}]"
    item = check.mapping(item, line, field)
    if item is None:
        return None
    check.unknown_keys(item, QUESTION_KEYS, field)
    key = check.identifier(item, "id", field, example="t7")
    number = check.integer(item, "number", field, minimum=1)
    if "number" not in item:
        check.error(item.line, _join(field, "number"), _("обов'язкове поле відсутнє"))
    text = check.text(item, "text", field)
    question_type = check.text(item, "type", field, required=False) or "single"
    if question_type not in QUESTION_TYPES:
        check.error(
            item.line_of("type"),
            _join(field, "type"),
            _(
                "невідомий тип «%(question_type)s» (допустимі: %(allowed)s)",
                question_type=question_type,
                allowed=", ".join(QUESTION_TYPES),
            ),
        )
        question_type = "single"
    if "instruction" in item and item["instruction"] is None:
        instruction = None
    elif "instruction" in item:
        instruction = check.text(item, "instruction", field, required=False)
    else:
        instruction = DEFAULT_INSTRUCTIONS[question_type]
    required = check.boolean(item, "required", field, DEFAULT_REQUIRED[question_type])
    segment = check.boolean(item, "segment", field, False)
    scale_id, options = _question_options(check, item, field, question_type, direction)

    topic = check.identifier(item, "topic", field, required=False, example="criteria_understanding")
    requirement = check.identifier(
        item, "requirement", field, pattern=_REQUIREMENT_ID, required=False, example='"2.1"'
    )
    if direction is not None:
        topics = topic_requirements(direction)
        requirement_ids = {entry["id"] for entry in direction.get("requirements", [])}
        if topic is not None and topic not in topics:
            check.error(
                item.line_of("topic"),
                _join(field, "topic"),
                _("тема «%(topic)s» не описана в direction.yaml", topic=topic),
            )
        if requirement is not None and requirement not in requirement_ids:
            check.error(
                item.line_of("requirement"),
                _join(field, "requirement"),
                _("вимога «%(requirement)s» не описана в direction.yaml", requirement=requirement),
            )
        elif topic in topics and requirement is not None and topics[topic] != requirement:
            check.error(
                item.line_of("requirement"),
                _join(field, "requirement"),
                _(
                    "тема «%(topic)s» належить до вимоги «%(topics)s», а не «%(requirement)s»",
                    topic=topic,
                    topics=topics[topic],
                    requirement=requirement,
                ),
            )
        if topic in topics:
            requirement = topics[topic]

    measures = check.identifier(item, "measures", field, required=False)
    if measures and question_type == "text":
        check.error(
            item.line_of("measures"),
            _join(field, "measures"),
            _("відкрите запитання (text) не можна порівнювати між ролями"),
        )
    if segment and question_type != "single":
        check.error(
            item.line_of("segment"),
            _join(field, "segment"),
            _("сегментом може бути лише запитання з одним варіантом (single)"),
        )
    report = check.string_mapping(item, "report", field)
    for reserved in RESERVED_REPORT_KEYS:
        if report and reserved in report:
            check.error(
                item["report"].line_of(reserved),
                _join(field, "report", reserved),
                _("це ім'я зарезервоване; вкажіть вимогу полем requirement"),
            )
    option_ids = None if options is None else [option["id"] for option in options]
    translations = check.translations(item, field, QUESTION_TRANSLATION_KEYS, option_ids)
    question: dict[str, Any] = {
        "id": key,
        "number": number,
        "text": text,
        "instruction": instruction,
        "type": question_type,
        "required": required,
        "topic": topic,
        "requirement": requirement,
        "measures": measures,
        "segment": segment,
        "scale": scale_id,
        "options": options or [],
        "report": report,
        "translations": translations,
    }
    return field, item.line_of("id"), question


def _question_options(
    check: Checker,
    item: MarkedDict,
    field: str,
    question_type: str,
    direction: Mapping[str, Any] | None,
) -> tuple[str | None, list[dict[str, Any]] | None]:
    has_scale = item.get("scale") is not None
    has_options = item.get("options") is not None
    if question_type == "text":
        for key in ("scale", "options"):
            if item.get(key) is not None:
                check.error(
                    item.line_of(key),
                    _join(field, key),
                    _("відкрите запитання (text) не має варіантів відповіді"),
                )
        return None, None
    if has_scale and has_options:
        check.error(
            item.line_of("options"),
            _join(field, "options"),
            _("вкажіть або scale, або options, не обидва"),
        )
        return None, None
    if not has_scale and not has_options:
        check.error(
            item.line,
            _join(field, "options"),
            _(
                "запитання типу %(question_type)s потребує scale або options",
                question_type=question_type,
            ),
        )
        return None, None
    if has_options:
        return None, _check_options(
            check, item["options"], item.line_of("options"), _join(field, "options")
        )
    scale_id = check.identifier(item, "scale", field, example="degree")
    if scale_id is None or direction is None:
        return scale_id, None
    scales = direction.get("scales", {})
    if scale_id not in scales:
        known = ", ".join(scales) or _("жодної")
        check.error(
            item.line_of("scale"),
            _join(field, "scale"),
            _(
                "шкала «%(scale_id)s» не описана в direction.yaml (є: %(known)s)",
                scale_id=scale_id,
                known=known,
            ),
        )
        return scale_id, None
    return scale_id, [dict(option) for option in scales[scale_id]["options"]]


def check_constructs(
    questionnaires: Iterable[tuple[str, Mapping[str, Any]]],
) -> list[ValidationError]:
    """Check that questions linked by ``measures`` can be compared across roles.

    ``questionnaires`` holds (file, normalised questionnaire) pairs of one direction. Linked
    questions must have the same type; single-choice ones need ordinal values (≥ 2 options with
    a value) so positive shares exist; multiple-choice ones must share at least one option id.
    Scales may differ (e.g. «Так / Ні / Не знаю» against «Так, завжди … Ніколи»): the gap is then
    a gap of positive shares.
    """
    errors = []
    by_construct: dict[str, list[tuple[str, Mapping[str, Any], Mapping[str, Any]]]] = {}
    for file, questionnaire in questionnaires:
        for question in questionnaire["questions"]:
            if question.get("measures"):
                by_construct.setdefault(question["measures"], []).append(
                    (file, questionnaire, question)
                )
    for construct, members in by_construct.items():
        first_file, first_q, first = members[0]
        for file, _questionnaire, question in members:
            field = f"questions[{question['id']}].measures"
            line = question.get("_line", 1)
            if question["type"] == "single":
                valued = [option for option in question["options"] if option["value"] is not None]
                if len(valued) < 2:
                    errors.append(
                        ValidationError(
                            file,
                            line,
                            field,
                            _(
                                "«%(construct)s»: для порівняння варіанти потребують значень "
                                "(value)",
                                construct=construct,
                            ),
                        )
                    )
            if question is first:
                continue
            if question["type"] != first["type"]:
                errors.append(
                    ValidationError(
                        file,
                        line,
                        field,
                        _(
                            "«%(construct)s»: тип %(question)s не збігається з типом %(first)s "
                            "запитання «%(first2)s» (%(first_q)s)",
                            construct=construct,
                            question=question["type"],
                            first=first["type"],
                            first2=first["id"],
                            first_q=first_q["role"],
                        ),
                    )
                )
            elif question["type"] == "multiple":
                common = {option["id"] for option in question["options"]} & {
                    option["id"] for option in first["options"]
                }
                if not common:
                    errors.append(
                        ValidationError(
                            file,
                            line,
                            field,
                            _(
                                "«%(construct)s»: немає жодного спільного id варіанта із "
                                "запитанням «%(first)s» (%(first_q)s)",
                                construct=construct,
                                first=first["id"],
                                first_q=first_q["role"],
                            ),
                        )
                    )
    return errors
