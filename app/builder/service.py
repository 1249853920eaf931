"""The questionnaire builder's rules: a school's own copy of a direction, edits of its
questionnaires, uploads and the history of changes.

Every edit goes the way a questionnaire file goes: the questionnaire is written out as a
role-file document, changed, and stored back through :func:`parse_role_text` (the same checks
and messages as ``anketa questionnaires check``) and :func:`store_questionnaire` (the same
versioning rule as ``anketa questionnaires load``: a version with responses is never changed in
place; the edit becomes version + 1 and links without responses move to it). Only the edited
role is written; the other roles are read from their stored rows for the ``measures`` check.
Each stored change leaves a :class:`QuestionnaireChange` row: who, when, what.

The copy is the school's, shared by every campaign of the school on the direction: the
functions that edit it take the :class:`Direction`, and :func:`campaigns_using` says which
campaigns an edit reaches.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import yaml
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.errors import AnketaError
from app.extensions import db
from app.models import (
    Campaign,
    Direction,
    Questionnaire,
    QuestionnaireChange,
    RespondentLink,
    Response,
    User,
    new_token,
)
from app.surveys.definitions.library import (
    DefinitionError,
    FileOutcome,
    dump_questionnaire,
    parse_direction_text,
    parse_role_text,
    store_direction_definition,
    store_questionnaire,
)
from app.surveys.definitions.schema import (
    DEFAULT_INSTRUCTIONS,
    DEFAULT_REQUIRED,
    MAX_OPTIONS,
    MAX_QUESTIONS,
)
from app.text_safety import printable_all
from app.vocabulary import N_, ROLES

ROLE_INITIALS = {"teachers": "t", "students": "s", "parents": "p"}
DEFAULT_TITLES = {
    "teachers": N_("Анкета для вчителів"),
    "students": N_("Анкета для учнів"),
    "parents": N_("Анкета для батьків"),
}
HISTORY_LIMIT = 50

Document = dict[str, Any]


class BuilderError(AnketaError):
    """A builder action that is not allowed (Ukrainian message, shown as it is)."""


@dataclass(frozen=True)
class SaveOutcome:
    """What a stored edit did: the questionnaire version now latest and the loader's outcome."""

    questionnaire: Questionnaire
    outcome: FileOutcome

    @property
    def changed(self) -> bool:
        return self.outcome.outcome != "unchanged"

    @property
    def new_version(self) -> bool:
        return self.outcome.outcome == "new_version"

    def message(self) -> str:
        """Return the Ukrainian message for the user about the save."""
        if self.outcome.outcome == "unchanged":
            return _("Змін немає.")
        if self.new_version:
            return _(
                "Анкета вже має відповіді, тому зміни збережено як нову версію %(version)d; "
                "наявні відповіді залишаються прив'язаними до версії %(old)d.",
                version=self.questionnaire.version,
                old=self.questionnaire.version - 1,
            )
        return _("Зміни збережено.")


@dataclass(frozen=True)
class Candidate:
    """A question of another role that an edited question may be linked to by ``measures``."""

    role: str
    key: str
    number: int
    text: str
    measures: str | None
    similarity: float


# --- the school's own copy ----------------------------------------------------------------------


def is_own(campaign: Campaign) -> bool:
    """Return True if the campaign's direction is the school's own copy (so it can be edited)."""
    return campaign.direction.school_id == campaign.school_id


def _require_copy(direction: Direction) -> Direction:
    if direction.school_id is None:
        raise BuilderError(
            _(
                "Анкети бібліотеки не редагуються: спершу створіть власні анкети закладу "
                "(копію бібліотечних або з нуля)."
            )
        )
    return direction


def campaigns_using(direction: Direction) -> list[tuple[Campaign, int]]:
    """Return the campaigns whose questionnaires are this direction's, each with its number of
    stored responses (every role), newest academic year first: what an edit of the school's
    copy reaches. One query (a LEFT JOIN counted per campaign)."""
    rows = db.session.execute(
        select(Campaign, func.count(Response.id))
        .outerjoin(Response, Response.campaign_id == Campaign.id)
        .where(Campaign.direction_id == direction.id)
        .group_by(Campaign.id)
        .order_by(Campaign.academic_year.desc(), Campaign.id)
    )
    return [(campaign, count) for campaign, count in rows]


def affected_message(campaigns: list[tuple[Campaign, int]]) -> str | None:
    """Return the message naming the campaigns an edit reaches, with their responses; None
    when the copy serves one campaign at most (the edit then reaches no other campaign)."""
    if len(campaigns) < 2:
        return None
    names = ", ".join(
        _("«%(title)s» (відповідей: %(count)d)", title=campaign.title, count=count)
        for campaign, count in campaigns
    )
    return _("Зміна стосується кампаній: %(names)s.", names=names)


def _record(
    direction: Direction,
    user: User | None,
    action: str,
    summary: str,
    questionnaire: Questionnaire | None = None,
) -> None:
    db.session.add(
        QuestionnaireChange(
            direction_id=direction.id,
            questionnaire_id=questionnaire.id if questionnaire else None,
            role=questionnaire.role if questionnaire else None,
            version=questionnaire.version if questionnaire else None,
            user_id=user.id if user else None,
            action=action,
            summary=summary,
        )
    )


def start_own_questionnaires(campaign: Campaign, user: User | None, source: str) -> Direction:
    """Give the campaign the school's own questionnaires; return the school's direction copy.

    ``source`` "library" copies the library's questionnaires of the direction; "scratch" starts
    each role with an empty questionnaire. The requirements, topics and scales are copied from
    the library either way (and can then be edited). The campaign and its links move to the
    copy. Raises :class:`BuilderError` if the campaign already has own questionnaires or any
    responses, or for an unknown source.
    """
    if source not in ("library", "scratch"):
        raise BuilderError(_("Невідоме джерело анкет."))
    if is_own(campaign):
        raise BuilderError(_("Ця кампанія вже має власні анкети закладу."))
    if any(campaign.response_counts().values()):
        raise BuilderError(
            _(
                "Кампанія вже має відповіді на анкети бібліотеки: створіть нову кампанію для "
                "власних анкет."
            )
        )
    library = campaign.direction
    own = db.session.scalar(
        select(Direction).where(
            Direction.code == library.code, Direction.school_id == campaign.school_id
        )
    )
    try:
        if own is None:
            own = Direction(code=library.code, school_id=campaign.school_id)
            db.session.add(own)
            store_direction_definition(own, copy.deepcopy(library.definition))
        for role in ROLES:
            original = Questionnaire.latest(library.id, role)
            if source == "library" and original is None:
                continue
            document = _document(original) if source == "library" and original else None
            target = _store_start(own, role, document, original)
            link = campaign.link_for(role)
            if link is None:
                campaign.links.append(_new_link(role, target))
            else:
                link.questionnaire = target
            action = "copy_library" if source == "library" else "start_scratch"
            summary = _("Скопійовано з бібліотеки") if source == "library" else _("Почато з нуля")
            _record(own, user, action, summary, target)
        campaign.direction = own
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return own


def _new_link(role: str, questionnaire: Questionnaire) -> RespondentLink:
    return RespondentLink(role=role, questionnaire=questionnaire, token=new_token())


def _store_start(
    own: Direction, role: str, document: Document | None, original: Questionnaire | None
) -> Questionnaire:
    if document is not None:
        normalised = parse_role_text(_yaml(document), f"{role}.yaml", own.definition)
    else:
        # An empty questionnaire: no file could say that (one question is the minimum), so
        # the builder stores it directly; the first added question makes it a valid one.
        normalised = {
            "direction": own.code,
            "role": role,
            "title": original.title if original else _(DEFAULT_TITLES[role]),
            "intro": None,
            "language": own.definition.get("language", "uk"),
            "questions": [],
        }
    store_questionnaire(own, normalised, f"builder/{role}.yaml")
    latest = Questionnaire.latest(own.id, role)
    assert latest is not None
    return latest


# --- documents ----------------------------------------------------------------------------------


def _document(questionnaire: Questionnaire) -> Document:
    # A control character stored before the validation refused them is dropped here, so the
    # next edit saves the questionnaire without it instead of failing on a text the user
    # cannot see (app.text_safety).
    return printable_all(yaml.safe_load(dump_questionnaire(questionnaire)))


def _yaml(document: Mapping[str, Any]) -> str:
    return yaml.safe_dump(dict(document), allow_unicode=True, sort_keys=False, width=100)


def questionnaire_document(questionnaire: Questionnaire) -> Document:
    """Return the questionnaire as an editable role-file document (plain dicts and lists)."""
    return _document(questionnaire)


def question_entry(document: Document, key: str) -> dict[str, Any]:
    """Return the question with id ``key`` of a document; raises ``KeyError`` if none."""
    for question in document["questions"]:
        if question["id"] == key:
            return question
    raise KeyError(key)


def _others(direction: Direction, role: str) -> list[tuple[str, dict[str, Any]]]:
    """Return (file, questionnaire) of the direction's other roles, as much as the check of
    ``measures`` links reads: each linked question's id, type and options (id, value), from
    the stored rows. The other roles are neither written out as YAML nor stored again."""
    others = []
    for other_role in ROLES:
        if other_role == role:
            continue
        latest = Questionnaire.latest(direction.id, other_role)
        if latest is None:
            continue
        linked = [
            {
                "id": question.key,
                "type": question.type,
                "measures": question.measures,
                "options": [{"id": o.key, "value": o.value} for o in question.options],
            }
            for question in latest.questions
            if question.measures
        ]
        if linked:
            others.append((f"{other_role}.yaml", {"role": other_role, "questions": linked}))
    return others


def save_document(
    direction: Direction,
    role: str,
    document: Mapping[str, Any],
    user: User | None,
    action: str,
    summary: str,
    *,
    file: str | None = None,
) -> SaveOutcome:
    """Validate and store an edited document as the role's questionnaire; record the change.

    Raises :class:`BuilderError` when the direction is the library's and
    :class:`DefinitionError` (nothing stored) for a document with errors.
    """
    return save_yaml(direction, role, _yaml(document), user, action, summary, file=file)


def save_yaml(
    direction: Direction,
    role: str,
    text: str,
    user: User | None,
    action: str,
    summary: str,
    *,
    file: str | None = None,
) -> SaveOutcome:
    """Validate role-file YAML text and store it as the role's questionnaire of the school's
    copy ``direction`` (one transaction); the other roles are only read.

    ``file`` names the text in error messages (an upload's file name). Returns the
    :class:`SaveOutcome`. Raises :class:`BuilderError` (library questionnaires, a file for
    another role) and :class:`DefinitionError` with every error (nothing stored).
    """
    _require_copy(direction)
    name = file or f"{role}.yaml"
    normalised = parse_role_text(text, name, direction.definition, _others(direction, role))
    if normalised["role"] != role:
        raise BuilderError(
            _(
                "Файл містить анкету для ролі «%(found)s», а не «%(role)s».",
                found=normalised["role"],
                role=role,
            )
        )
    try:
        outcome = store_questionnaire(direction, normalised, f"builder/{name}")
        latest = Questionnaire.latest(direction.id, role)
        assert latest is not None
        if outcome.outcome != "unchanged":
            _record(direction, user, action, summary, latest)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return SaveOutcome(latest, outcome)


def edit(
    direction: Direction,
    role: str,
    user: User | None,
    action: str,
    summary: str,
    change: Callable[[Document], object],
) -> SaveOutcome:
    """Apply ``change`` to the role's latest document and save it (see :func:`save_document`).

    Raises :class:`BuilderError` if the role has no questionnaire or the direction is the
    library's, and :class:`DefinitionError` for a result with errors.
    """
    _require_copy(direction)
    latest = Questionnaire.latest(direction.id, role)
    if latest is None:
        raise BuilderError(_("Для цієї ролі анкети немає."))
    document = _document(latest)
    change(document)
    return save_document(direction, role, document, user, action, summary)


# --- question operations ------------------------------------------------------------------------


def next_question_id(document: Document, role: str) -> str:
    """Return a free question id: the role's initial and the next free number (``t10``)."""
    taken = {question["id"] for question in document["questions"]}
    number = next_number(document)
    while f"{ROLE_INITIALS[role]}{number}" in taken:
        number += 1
    return f"{ROLE_INITIALS[role]}{number}"


def next_number(document: Document) -> int:
    """Return the number after the highest question number of the document."""
    return max((question["number"] for question in document["questions"]), default=0) + 1


def _sequential(document: Document) -> bool:
    numbers = [question["number"] for question in document["questions"]]
    return numbers == list(range(1, len(numbers) + 1))


def move_question(document: Document, key: str, step: int) -> None:
    """Move a question one place up (``step`` -1) or down (+1) in the document.

    When the questions are numbered 1, 2, 3… in order, they are renumbered to stay so;
    otherwise the numbers (e.g. the seed's) are kept. Raises ``KeyError`` for an unknown id.
    """
    questions = document["questions"]
    index = questions.index(question_entry(document, key))
    target = index + step
    if not 0 <= target < len(questions):
        return
    renumber = _sequential(document)
    questions[index], questions[target] = questions[target], questions[index]
    if renumber:
        for number, question in enumerate(questions, start=1):
            question["number"] = number


def _room_for_a_question(document: Document) -> None:
    if len(document["questions"]) >= MAX_QUESTIONS:
        raise BuilderError(
            _("В анкеті вже %(count)d запитань: більше додати не можна.", count=MAX_QUESTIONS)
        )


def duplicate_question(document: Document, key: str, role: str) -> str:
    """Insert a copy of a question right after it (new id and number, no ``measures``, not a
    segment); return the copy's id. Raises ``KeyError`` for an unknown id and
    :class:`BuilderError` when the questionnaire already has ``MAX_QUESTIONS`` questions."""
    original = question_entry(document, key)
    _room_for_a_question(document)
    duplicate = copy.deepcopy(original)
    duplicate["id"] = next_question_id(document, role)
    duplicate["number"] = next_number(document)
    duplicate.pop("measures", None)
    duplicate.pop("segment", None)
    questions = document["questions"]
    questions.insert(questions.index(original) + 1, duplicate)
    return duplicate["id"]


def delete_question(document: Document, key: str) -> None:
    """Remove a question from the document. Raises ``KeyError`` for an unknown id."""
    document["questions"].remove(question_entry(document, key))


def put_question(document: Document, entry: Mapping[str, Any], replace: str | None) -> None:
    """Add a question entry at the end, or replace the question with id ``replace`` in place.

    Raises :class:`BuilderError` when a question is added to one that already has
    ``MAX_QUESTIONS``.
    """
    entry = dict(entry)
    if replace is None:
        _room_for_a_question(document)
        document["questions"].append(entry)
        return
    questions = document["questions"]
    questions[questions.index(question_entry(document, replace))] = entry


def question_fields(entry: Mapping[str, Any] | None) -> dict[str, Any]:
    """Return form data for a question entry (None: defaults for a new question)."""
    entry = dict(entry or {})
    question_type = entry.get("type", "single")
    options = entry.get("options") or []
    return {
        "key": entry.get("id", ""),
        "number": entry.get("number"),
        "text": entry.get("text", ""),
        "type": question_type,
        "instruction": entry.get("instruction", DEFAULT_INSTRUCTIONS[question_type]) or "",
        "required": entry.get("required", DEFAULT_REQUIRED[question_type]),
        "topic": entry.get("topic") or "",
        "requirement": entry.get("requirement") or "",
        "measures": entry.get("measures") or "",
        "segment": bool(entry.get("segment")),
        "scale": entry.get("scale") or "",
        "options": "\n".join(
            " | ".join(
                [option["id"], option["text"]]
                + ([str(option["value"])] if option.get("value") is not None else [])
            )
            for option in options
        ),
        "report_lead": (entry.get("report") or {}).get("lead", ""),
    }


def parse_options(text: str) -> list[dict[str, Any]]:
    """Parse the options box: one option a line, ``id | text | value`` (value optional).

    Raises :class:`BuilderError` for a line that is not of that form, and for more than
    ``MAX_OPTIONS`` options.
    """
    options: list[dict[str, Any]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if len(options) == MAX_OPTIONS:
            raise BuilderError(
                _("Варіантів забагато: можна не більше %(count)d.", count=MAX_OPTIONS)
            )
        parts = [part.strip() for part in line.split("|")]
        if len(parts) not in (2, 3) or not parts[0] or not parts[1]:
            raise BuilderError(
                _(
                    "Варіанти, рядок %(line)d: очікується «id | текст» або «id | текст | "
                    "значення».",
                    line=number,
                )
            )
        option: dict[str, Any] = {"id": parts[0], "text": parts[1]}
        if len(parts) == 3 and parts[2]:
            try:
                option["value"] = int(parts[2])
            except ValueError:
                raise BuilderError(
                    _("Варіанти, рядок %(line)d: значення має бути цілим числом.", line=number)
                ) from None
        options.append(option)
    return options


def entry_from_fields(fields: Mapping[str, Any], old: Mapping[str, Any] | None) -> dict[str, Any]:
    """Return a question entry from the builder form's data, keeping fields the form does not
    show (translations, other report phrases) from ``old``. Raises :class:`BuilderError` for
    a malformed options box."""
    question_type = fields["type"]
    entry: dict[str, Any] = {
        "id": fields["key"].strip(),
        "number": fields["number"],
        "text": fields["text"].strip(),
    }
    if question_type != "single":
        entry["type"] = question_type
    instruction = (fields.get("instruction") or "").strip() or None
    if instruction is not None and instruction in DEFAULT_INSTRUCTIONS.values():
        # The form shows a type's default text; after a change of type it means the new
        # type's default (a text question has none), not the old type's words.
        instruction = DEFAULT_INSTRUCTIONS[question_type]
    if instruction != DEFAULT_INSTRUCTIONS[question_type]:
        entry["instruction"] = instruction
    if bool(fields.get("required")) != DEFAULT_REQUIRED[question_type]:
        entry["required"] = bool(fields.get("required"))
    if fields.get("topic"):
        entry["topic"] = fields["topic"]
    elif fields.get("requirement"):
        entry["requirement"] = fields["requirement"]
    if (fields.get("measures") or "").strip():
        entry["measures"] = fields["measures"].strip()
    if fields.get("segment"):
        entry["segment"] = True
    if question_type != "text":
        if fields.get("scale"):
            entry["scale"] = fields["scale"]
        elif options := parse_options(fields.get("options") or ""):
            entry["options"] = options
    report = dict((old or {}).get("report") or {})
    lead = (fields.get("report_lead") or "").strip()
    if lead:
        report["lead"] = lead
    else:
        report.pop("lead", None)
    if report:
        entry["report"] = report
    if old and old.get("translations"):
        entry["translations"] = old["translations"]
    return entry


def measures_candidates(
    direction: Direction, role: str, text: str, limit: int = 5
) -> list[Candidate]:
    """Return questions of the direction's other roles that the question ``text`` may be
    linked to.

    Questions that already measure a construct come first, then by similarity of text.
    """
    found = []
    for other_role in ROLES:
        if other_role == role:
            continue
        latest = Questionnaire.latest(direction.id, other_role)
        for question in latest.questions if latest else ():
            if question.type == "text":
                continue
            similarity = difflib.SequenceMatcher(
                None, text.casefold(), question.text.casefold()
            ).ratio()
            found.append(
                Candidate(
                    other_role,
                    question.key,
                    question.number,
                    question.text,
                    question.measures,
                    round(similarity, 2),
                )
            )
    found.sort(key=lambda c: (c.measures is None, -c.similarity))
    with_construct = [c for c in found if c.measures][:limit]
    rest = sorted(found, key=lambda c: -c.similarity)[:limit]
    ordered = sorted(with_construct, key=lambda c: -c.similarity)
    return ordered + [c for c in rest if c not in ordered][: max(0, limit - len(ordered))]


# --- the direction's requirements and topics ----------------------------------------------------


def save_direction(direction: Direction, text: str, user: User | None) -> bool:
    """Store edited ``direction.yaml`` text (requirements, topics, scales) of the school's copy.

    Every role's latest questionnaire is checked against the new definition and stored again
    (a new version where it has responses and the change reaches it). Returns True if anything
    changed. Raises :class:`BuilderError` (library direction, another direction id) and
    :class:`DefinitionError` with every error (nothing stored).
    """
    _require_copy(direction)
    definition = parse_direction_text(text)
    if definition["id"] != direction.code:
        raise BuilderError(
            _("Ідентифікатор напряму змінювати не можна: «%(id)s».", id=direction.code)
        )
    documents = {}
    for role in ROLES:
        latest = Questionnaire.latest(direction.id, role)
        if latest is not None and latest.questions:
            documents[role] = dump_questionnaire(latest)
    normalised = {}
    errors = []
    for role, document in documents.items():
        try:
            normalised[role] = parse_role_text(document, f"{role}.yaml", definition)
        except DefinitionError as error:
            errors.extend(error.errors)
    if errors:
        raise DefinitionError(errors)
    try:
        changed = store_direction_definition(direction, definition)
        if changed:
            _record(direction, user, "direction", _("Змінено вимоги, теми або шкали"))
        for role, questionnaire in normalised.items():
            outcome = store_questionnaire(direction, questionnaire, f"builder/{role}.yaml")
            if outcome.outcome != "unchanged":
                latest = Questionnaire.latest(direction.id, role)
                _record(
                    direction,
                    user,
                    "direction",
                    _("Оновлено за зміненим напрямом"),
                    latest,
                )
                changed = True
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return changed


def history(direction: Direction, role: str | None = None) -> list[QuestionnaireChange]:
    """Return the newest changes of a direction (of one role and of the direction itself when
    ``role`` is given), newest first."""
    query = select(QuestionnaireChange).where(QuestionnaireChange.direction_id == direction.id)
    if role is not None:
        query = query.where(
            (QuestionnaireChange.role == role) | (QuestionnaireChange.role.is_(None))
        )
    query = query.order_by(QuestionnaireChange.id.desc()).limit(HISTORY_LIMIT)
    return list(db.session.scalars(query))
