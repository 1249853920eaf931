"""A questionnaire version as the respondent pages need it: plain frozen data, cached per process.

Every GET and POST of ``/s/<token>`` needs the same ~130 questions and their options. Loading
them as ORM objects on each request cost more than anything else the server did, so each
process keeps one :class:`QuestionnaireStructure` per questionnaire version: frozen dataclasses
and tuples, attached to no session, safe to share between threads.

A version with responses is never changed (docs/questionnaires.md, versioning), but the builder and
``anketa questionnaires load`` rewrite a version *without* responses in place: its questions and
options are deleted and inserted anew, and its ``content_hash`` changes with the content. The
cache key is therefore the questionnaire id, its ``content_hash`` and a stamp of its question
rows (the sum of their ids): the hash alone would serve a stale structure after an edit A → B →
A (the same hash again, but new question and option ids, which the stored answers point to).
A rewrite gives every question a new id — higher than any before on PostgreSQL, the next free
ones on SQLite — so the stamp moves with it. A questionnaire without a hash (made by test
factories, never by the loader) is not cached at all.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from markupsafe import Markup
from sqlalchemy import ColumnElement, ColumnExpressionArgument, func, select

from app.extensions import db
from app.models import Option, Question, Questionnaire

#: How many questionnaire versions one process keeps (a regional server has a few per direction).
CACHE_SIZE = 256


@dataclass(frozen=True)
class OptionItem:
    """One answer option of a question."""

    id: int
    key: str
    text: str


@dataclass(frozen=True)
class QuestionItem:
    """One question with its options, in the questionnaire's order."""

    id: int
    key: str
    number: int
    text: str
    instruction: str | None
    type: str
    required: bool
    segment: bool
    options: tuple[OptionItem, ...]


@dataclass(frozen=True)
class QuestionnaireStructure:
    """The questions of one questionnaire version (what the form shows and the answers need).

    ``version`` is what tells this version's content apart in the cache (its content hash and
    question stamp), None for a structure that is not cached.
    """

    id: int
    questions: tuple[QuestionItem, ...]
    version: tuple[str, int] | None = None

    @cached_property
    def max_answer_fields(self) -> int:
        """Return how many answer fields a browser can send for this version: one per option
        of a multiple-choice question, one per other question (a radio group, a textarea)."""
        return sum(
            len(question.options) if question.type == "multiple" else 1
            for question in self.questions
        )


def question_stamp(questionnaire_id: ColumnExpressionArgument[Any] | int) -> ColumnElement[Any]:
    """Return a scalar subquery: the sum of the ids of a questionnaire's questions (0 if none).

    It changes whenever the questions are rewritten (see the module docstring); a sum rather
    than max() so that PostgreSQL reads the questionnaire's few rows through its index instead
    of walking the primary key backwards.
    """
    return (
        select(func.coalesce(func.sum(Question.id), 0))
        .where(Question.questionnaire_id == questionnaire_id)
        .scalar_subquery()
    )


def load_structure(
    questionnaire_id: int, version: tuple[str, int] | None = None
) -> QuestionnaireStructure:
    """Read a questionnaire version's questions and options (two queries); return them, marked
    with ``version`` (see :class:`QuestionnaireStructure`).

    Raises nothing of its own (database errors pass through).
    """
    options: dict[int, list[OptionItem]] = {}
    option_rows = db.session.execute(
        select(Option.question_id, Option.id, Option.key, Option.text)
        .join(Question, Option.question_id == Question.id)
        .where(Question.questionnaire_id == questionnaire_id)
        .order_by(Option.question_id, Option.position)
    )
    for question_id, option_id, key, text in option_rows:
        options.setdefault(question_id, []).append(OptionItem(option_id, key, text))
    question_rows = db.session.execute(
        select(
            Question.id,
            Question.key,
            Question.number,
            Question.text,
            Question.instruction,
            Question.type,
            Question.required,
            Question.segment,
        )
        .where(Question.questionnaire_id == questionnaire_id)
        .order_by(Question.position)
    )
    questions = tuple(
        QuestionItem(*row, options=tuple(options.get(row.id, ()))) for row in question_rows
    )
    return QuestionnaireStructure(questionnaire_id, questions, version)


class QuestionnaireCache:
    """Per-process cache of questionnaire structures and of their blank form markup.

    Thread-safe (gthread workers share it); least recently used versions go first.
    """

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._lock = threading.Lock()

    def _get(self, key: tuple[Any, ...]) -> Any:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def _put(self, key: tuple[Any, ...], value: Any) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def structure(self, questionnaire: Questionnaire, stamp: int) -> QuestionnaireStructure:
        """Return the structure of ``questionnaire`` whose questions have ``stamp``
        (:func:`question_stamp`), from the cache or freshly loaded. Raises nothing of its own."""
        if not questionnaire.content_hash:
            return load_structure(questionnaire.id)
        version = (questionnaire.content_hash, int(stamp))
        key = ("structure", questionnaire.id, *version)
        structure = self._get(key)
        if structure is None:
            structure = load_structure(questionnaire.id, version)
            self._put(key, structure)
        return structure

    def blank_form(
        self, structure: QuestionnaireStructure, locale: str, render: Callable[[], str]
    ) -> Markup:
        """Return the questions' markup with no answers and no errors for ``locale``, rendered
        by ``render`` once per cached version and locale. Raises what ``render`` raises."""
        if structure.version is None:
            return Markup(render())
        key = ("blank", structure.id, *structure.version, locale)
        markup = self._get(key)
        if markup is None:
            markup = Markup(render())
            self._put(key, markup)
        return markup
