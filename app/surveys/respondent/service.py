"""Storing responses: validate answers against a questionnaire version and save them atomically.

A response is one ``Response`` row and one ``Answer`` row per ticked option (or per text), saved
in one transaction: one INSERT for the response and one INSERT executed for all its answer
rows at once (SQL expressions, not ORM objects: a whole class submits in the same minutes).
``submission_id`` is the idempotency key issued with the form: posting it twice (a double tap,
a retry on a flaky connection, Back and «Надіслати» again) stores one response. The form issues
it signed (:func:`new_submission_id`: a random nonce and an HMAC of it with the app's secret,
bound to the link), and a web post whose id the server did not issue is refused, so a client
cannot store a second response by making up a second id.

Nothing identifying the respondent (IP address, user agent, cookie) is accepted or stored here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal, cast

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Table, bindparam, insert, select
from sqlalchemy.exc import IntegrityError

from app import vocabulary
from app.errors import AnketaError
from app.extensions import db
from app.models import (
    Answer,
    Option,
    Question,
    Questionnaire,
    QuestionType,
    RespondentLink,
    Response,
)
from app.surveys.definitions.structure import OptionItem, QuestionItem, QuestionnaireStructure
from app.surveys.respondent.answer_rows import answer_rows, segment_question_id
from app.text_safety import printable

DEFAULT_MAX_TEXT_LENGTH = 5000

# What the form issues (:func:`new_submission_id`): a nonce of 128 bits and its 128-bit HMAC, each
# as 22 URL-safe characters, joined by a dot. Imports may use longer derived keys, up to the
# column's 80 characters, from the same alphabet plus ".:".
WEB_SUBMISSION_ID = re.compile(r"([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{22})")
ANY_SUBMISSION_ID = re.compile(r"[A-Za-z0-9_.:-]{8,80}")
#: Separates the signatures of submission ids from every other use of the app's secret.
SUBMISSION_ID_PURPOSE = b"anketa submission id v1"

RespondentStatus = Literal["open", "not_yet_open", "closed", "not_ready"]
AnswerValue = Sequence[str] | str
#: A questionnaire version as ORM rows or as the respondent pages' cached structure: the
#: functions here read only what both have (``id``, ``questions`` and their ``options``).
QuestionnaireLike = Questionnaire | QuestionnaireStructure


def _signature(link_id: int, nonce: str) -> str:
    """Return the 22-character HMAC-SHA256 (truncated to 128 bits) of ``nonce`` for a link,
    keyed with the app's SECRET_KEY. Needs an app context."""
    secret = current_app.config["SECRET_KEY"]
    key = secret.encode() if isinstance(secret, str) else bytes(secret)
    message = b"%s\x00%d\x00%s" % (SUBMISSION_ID_PURPOSE, link_id, nonce.encode())
    digest = hmac.new(key, message, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def new_submission_id(link: RespondentLink | int) -> str:
    """Return a fresh idempotency key for one rendering of a link's form: a random nonce
    (128 bits) and its signature for the link (``<nonce>.<signature>``, 45 characters).

    ``link`` is the link or its id. Needs an app context (the signature uses SECRET_KEY).
    """
    link_id = link if isinstance(link, int) else link.id
    nonce = secrets.token_urlsafe(16)
    return f"{nonce}.{_signature(link_id, nonce)}"


def is_issued_submission_id(value: object, link: RespondentLink | int) -> bool:
    """Return True if ``value`` is a submission id that :func:`new_submission_id` issued for
    this link (the signature compared in constant time). Needs an app context."""
    if not isinstance(value, str):
        return False
    match = WEB_SUBMISSION_ID.fullmatch(value)
    if match is None:
        return False
    link_id = link if isinstance(link, int) else link.id
    return hmac.compare_digest(match.group(2), _signature(link_id, match.group(1)))


def is_valid_submission_id(value: object, source: str = "web") -> bool:
    """Return True if ``value`` has the shape of a submission id for this source.

    Web forms must carry the shape ``new_submission_id`` issues (whether the server issued it
    is :func:`is_issued_submission_id`'s question); other sources (imports) may use any key of
    8–80 characters from ``[A-Za-z0-9_.:-]``.
    """
    if not isinstance(value, str):
        return False
    pattern = WEB_SUBMISSION_ID if source == "web" else ANY_SUBMISSION_ID
    return pattern.fullmatch(value) is not None


def respondent_status(
    link: RespondentLink, today: date, *, has_questions: bool | None = None
) -> RespondentStatus:
    """Return whether the link's campaign takes answers on ``today``.

    ``"not_ready"`` while the questionnaire has no questions yet (the working group started
    one from scratch), ``"not_yet_open"`` before ``opens_on``, ``"closed"`` after ``closes_on``
    (both dates inclusive days of collection), ``"open"`` otherwise. ``has_questions`` spares
    loading the questions when the caller knows; None reads ``link.questionnaire.questions``.
    """
    if has_questions is None:
        has_questions = bool(link.questionnaire.questions)
    if not has_questions:
        return "not_ready"
    campaign = link.campaign
    if campaign.opens_on is not None and today < campaign.opens_on:
        return "not_yet_open"
    if campaign.closes_on is not None and today > campaign.closes_on:
        return "closed"
    return "open"


def unissued_submission_id_message() -> str:
    """Return the message for a web post whose submission id the server did not issue."""
    return _(
        "Цю форму видав не цей сервер або її змінено, тому відповіді не збережено. "
        "Натисніть «Надіслати» ще раз."
    )


@dataclass(frozen=True)
class AnswerError:
    """One problem with submitted answers.

    ``question_key`` is None for a problem with the submission as a whole (an unknown field,
    a bad submission id). ``malformed`` is True for input a real form cannot produce (HTTP
    400), False for a missing required answer (the respondent's slip, HTTP 200).
    """

    question_key: str | None
    message: str
    malformed: bool


class InvalidAnswers(AnketaError):
    """The answers do not fit the questionnaire; ``errors`` says where and why."""

    def __init__(self, errors: Sequence[AnswerError]) -> None:
        self.errors = tuple(errors)
        super().__init__("; ".join(error.message for error in self.errors))

    @property
    def malformed(self) -> bool:
        """True if any problem is one that a real form cannot produce."""
        return any(error.malformed for error in self.errors)


class CampaignNotOpen(AnketaError):
    """The campaign does not take answers today; ``status`` says why."""

    def __init__(self, status: RespondentStatus) -> None:
        self.status = status
        if status == "not_yet_open":
            message = _("Опитування ще не розпочалося.")
        else:
            message = _("Опитування вже завершено.")
        super().__init__(message)


@dataclass(frozen=True)
class CheckedAnswer:
    """One row to store: a chosen option or a text for a question."""

    question: Question | QuestionItem
    option: Option | OptionItem | None = None
    text: str | None = None


@dataclass(frozen=True)
class StoredResponse:
    """What :func:`store_response` stored (or found already stored) under a submission id."""

    id: int
    submission_id: str
    source: str


def _normalise_text(value: str) -> str:
    # Browsers send a textarea's line breaks as CRLF but count them as one character.
    # Control characters are stripped, not refused: a pupil cannot see what to remove, they
    # would break the довідка and the XLSX files, and PostgreSQL refuses NUL outright (a
    # pasted NUL was a 500 there). One rule for every text: app.text_safety.
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    return printable(text).strip()


def _as_values(value: AnswerValue) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _check_question(
    question: Question | QuestionItem, values: list[str], max_text_length: int
) -> tuple[list[CheckedAnswer], AnswerError | None]:
    """Return the rows for one question's values, or the problem with them."""
    key = question.key
    if question.type == QuestionType.TEXT:
        if len(values) > 1:
            return [], AnswerError(key, _("Надіслано кілька відповідей на одне питання."), True)
        text = _normalise_text(values[0]) if values else ""
        if len(text) > max_text_length:
            message = _(
                "Відповідь задовга: %(length)d символів, можна не більше %(limit)d.",
                length=len(text),
                limit=max_text_length,
            )
            return [], AnswerError(key, message, True)
        return ([CheckedAnswer(question, text=text)] if text else []), None

    options = {option.key: option for option in question.options}
    if any(value not in options for value in values):
        return [], AnswerError(key, _("Такого варіанта відповіді немає."), True)
    if len(set(values)) != len(values):
        return [], AnswerError(key, _("Один варіант надіслано кілька разів."), True)
    if question.type == QuestionType.SINGLE and len(values) > 1:
        return [], AnswerError(key, _("Виберіть лише один варіант."), True)
    # Rows in the questionnaire's option order, whatever order the browser sent them in.
    chosen = [option for option in question.options if option.key in values]
    return [CheckedAnswer(question, option=option) for option in chosen], None


#: How many unknown names a message quotes (the rest are counted): one line, however many.
NAMES_QUOTED = 3
NAME_QUOTED_LENGTH = 40


def unknown_names(names: Sequence[str]) -> str:
    """Return names for a one-line message: the first ``NAMES_QUOTED``, each in «» and cut at
    ``NAME_QUOTED_LENGTH`` characters, then «і ще N» for the rest."""
    quoted = ", ".join(
        f"«{name[:NAME_QUOTED_LENGTH]}{'…' if len(name) > NAME_QUOTED_LENGTH else ''}»"
        for name in names[:NAMES_QUOTED]
    )
    rest = len(names) - NAMES_QUOTED
    return _("%(names)s і ще %(count)d", names=quoted, count=rest) if rest > 0 else quoted


def check_answers(
    questionnaire: QuestionnaireLike,
    answers: Mapping[str, AnswerValue],
    max_text_length: int = DEFAULT_MAX_TEXT_LENGTH,
) -> list[CheckedAnswer]:
    """Return the rows to store for ``answers`` (question key → option key(s) or text).

    Option questions take an option key or a list of them (one for single choice); text
    questions take a string. Empty texts and empty lists count as no answer.

    Raises ``InvalidAnswers`` listing every problem: unknown questions, unknown or repeated
    options, several values for a single-choice or text question, texts longer than
    ``max_text_length`` characters (all malformed), and missing required answers.
    """
    questions = {question.key: question for question in questionnaire.questions}
    errors: list[AnswerError] = []
    unknown = [key for key in answers if key not in questions]
    if len(unknown) == 1:
        message = _("Анкета не містить питання «%(key)s».", key=unknown[0])
        errors.append(AnswerError(None, message, True))
    elif unknown:
        message = _("Анкета не містить питань %(keys)s.", keys=unknown_names(unknown))
        errors.append(AnswerError(None, message, True))
    rows: list[CheckedAnswer] = []
    for question in questionnaire.questions:
        values = _as_values(answers.get(question.key, []))
        question_rows, error = _check_question(question, values, max_text_length)
        if error is None and question.required and not question_rows:
            error = AnswerError(question.key, _("Дайте відповідь на це питання."), False)
        if error is not None:
            errors.append(error)
        rows.extend(question_rows)
    if errors:
        raise InvalidAnswers(errors)
    return rows


# Statements built once (a whole class posts within minutes): SQLAlchemy then reuses their
# cache keys as well as their compiled SQL.
RESPONSE_BY_SUBMISSION_ID = select(Response).where(
    Response.submission_id == bindparam("submission_id")
)
# (``__table__`` is typed as any FromClause; a mapped class's is its Table)
INSERT_RESPONSE = insert(cast(Table, Response.__table__)).returning(Response.__table__.c.id)
INSERT_ANSWERS = insert(cast(Table, Answer.__table__))


def find_submission(submission_id: str) -> Response | None:
    """Return the response stored under this submission id, if any."""
    return db.session.scalar(RESPONSE_BY_SUBMISSION_ID, {"submission_id": submission_id})


def _existing_for(link: RespondentLink, submission_id: str) -> StoredResponse | None:
    existing = find_submission(submission_id)
    if existing is None:
        return None
    if existing.campaign_id != link.campaign_id or existing.role != link.role:
        message = _("Ця відповідь уже надіслана за іншим посиланням.")
        raise InvalidAnswers([AnswerError(None, message, True)])
    return StoredResponse(existing.id, existing.submission_id, existing.source)


def store_response(
    link: RespondentLink,
    answers: Mapping[str, AnswerValue],
    submission_id: str,
    source: str = "web",
    *,
    today: date | None = None,
    max_text_length: int = DEFAULT_MAX_TEXT_LENGTH,
    questionnaire: QuestionnaireStructure | None = None,
) -> StoredResponse:
    """Store one response to the link's questionnaire version; return what was stored.

    Idempotent on ``submission_id``: if a response with that id was already stored for this
    link, it is returned unchanged (even when it raced with this call). With ``today`` given,
    a campaign that does not take answers that day is refused (imports leave it out).
    ``questionnaire`` is the link's version as a cached structure (the respondent page has it);
    without it the link's ORM questionnaire is read.

    A web response (``source="web"``) must carry an id the server issued for this link
    (:func:`is_issued_submission_id`); other sources any well-formed key. The response is dated
    ``today`` (Kyiv), or today's date in Kyiv: no time of day is stored.

    Raises ``InvalidAnswers`` (bad answers, a malformed or unissued submission id or one that
    belongs to another link; nothing stored) and ``CampaignNotOpen``.
    """
    if not is_valid_submission_id(submission_id, source):
        raise InvalidAnswers([AnswerError(None, _("Недійсний ідентифікатор відповіді."), True)])
    if source == "web" and not is_issued_submission_id(submission_id, link.id):
        raise InvalidAnswers([AnswerError(None, unissued_submission_id_message(), True)])
    existing = _existing_for(link, submission_id)
    if existing is not None:
        return existing
    version: QuestionnaireLike = questionnaire or link.questionnaire
    if today is not None:
        status = respondent_status(link, today, has_questions=bool(version.questions))
        if status != "open":
            raise CampaignNotOpen(status)
    rows = check_answers(version, answers, max_text_length)
    given = [
        (row.question.id, row.option.id if row.option is not None else None, row.text)
        for row in rows
    ]
    segment = segment_question_id(version)
    try:
        response_id = db.session.execute(
            INSERT_RESPONSE,
            {
                "campaign_id": link.campaign_id,
                "questionnaire_id": link.questionnaire_id,
                "role": link.role,
                "submission_id": submission_id,
                "source": source,
                "submitted_on": today or vocabulary.today(),
            },
        ).scalar_one()
        answer_values = [
            {"response_id": response_id, "campaign_id": link.campaign_id, **row}
            for row in answer_rows(given, segment)
        ]
        if answer_values:
            # executemany of one cached statement: a multi-row VALUES is compiled anew for
            # each post and costs twice as much CPU.
            db.session.execute(INSERT_ANSWERS, answer_values)
        db.session.commit()
    except IntegrityError:
        # Two taps raced past the lookup above: the other one won, and that is the answer.
        db.session.rollback()
        existing = _existing_for(link, submission_id)
        if existing is None:
            raise
        return existing
    return StoredResponse(response_id, submission_id, source)
