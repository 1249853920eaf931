"""The respondent form: the envelope of a post (CSRF token, submission id) and its problems.

Answer fields are named ``q-<question key>``: radio buttons for single choice, checkboxes for
multiple choice, a textarea for text. The respondent page (and the builder's preview) renders
them from the questionnaire structure (templates/respondent/_questions.html), not as WTForms fields:
binding ~130 fields on every request cost more than the rest of the form. So
:class:`RespondentForm` itself holds only the envelope; the answers are read from the post, and
what makes them valid is decided by ``app.surveys.respondent.service.check_answers`` (the same
rules serve imports), whose errors are kept here by question key for the page to show.

The form does its own CSRF check (the respondent blueprint is exempt from the global one), so a
stale token re-renders the page with the answers kept instead of ending on an error page. The
submission id is issued signed for the form's link
(``app.surveys.respondent.service.new_submission_id``); a post carrying one the server did not issue
is refused (400) with the answers kept and a fresh id, so nothing is stored until the form the
server gave is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import request
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import HiddenField

from app.surveys.definitions.structure import QuestionItem, QuestionnaireStructure
from app.surveys.respondent.service import (
    AnswerError,
    InvalidAnswers,
    check_answers,
    is_issued_submission_id,
    is_valid_submission_id,
    new_submission_id,
    unissued_submission_id_message,
    unknown_names,
)

FIELD_PREFIX = "q-"
SERVICE_FIELDS = frozenset({"submission_id", "csrf_token"})


@dataclass(frozen=True)
class SummaryItem:
    """One line of the error summary: the message and the element id it links to (or None)."""

    message: str
    target: str | None


class RespondentForm(FlaskForm):
    """The envelope of a respondent post, and the problems found with it and its answers.

    ``questions`` are the questionnaire version's and ``link_id`` the link the form is issued
    for (its submission ids are signed for it; None for the builder's preview, which sends
    nothing); ``question_errors`` maps question keys to their messages.
    """

    # A label of our own: without one WTForms translates the default label, and Flask-WTF
    # reads its translations file from disk for that on every request.
    submission_id = HiddenField(label="submission_id")

    class Meta:
        def wrap_formdata(self, form: Any, formdata: Any) -> Any:
            """Read form fields only. A JSON body, which no browser form sends, counts as an empty
            post: Flask-WTF would take it for a mapping of fields and fail (a 500) on ``0`` or
            a list."""
            if request.is_json:
                return request.form if request.method == "POST" else None
            return super().wrap_formdata(form, formdata)  # type: ignore[misc]

    def __init__(
        self,
        *args: Any,
        link_id: int | None = None,
        questions: tuple[QuestionItem, ...] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.link_id = link_id
        self.questions = questions
        self.question_errors: dict[str, list[str]] = {}
        self.summary: list[SummaryItem] = []
        self.malformed = False
        self.stale = False
        self._issue_if_not(self.submission_id.data)

    def _issue_if_not(self, submission_id: object) -> None:
        """Give the form a fresh signed id unless ``submission_id`` is one issued for its link."""
        if self.link_id is not None and not is_issued_submission_id(submission_id, self.link_id):
            self.submission_id.data = new_submission_id(self.link_id)

    def errors_at(self, question: QuestionItem) -> list[str]:
        """Return the messages to show at a question (empty if none)."""
        return self.question_errors.get(question.key, [])

    def fieldset_id(self, question: QuestionItem) -> str:
        """Return the id of the question's fieldset (the error summary links to it, so the
        question text and its message come into view, not just the first option)."""
        return f"f-{question.key}"

    def answers(self, formdata: MultiDict[str, str]) -> dict[str, list[str]]:
        """Return the post's answer fields (``q-`` and a question of the questionnaire) as
        question key → posted values; other fields are :meth:`check_envelope`'s business."""
        keys = {question.key for question in self.questions}
        return {
            key: formdata.getlist(name)
            for name in formdata
            if name.startswith(FIELD_PREFIX) and (key := name.removeprefix(FIELD_PREFIX)) in keys
        }

    def check_envelope(self, formdata: MultiDict[str, str]) -> bool:
        """Check everything but the answers: CSRF, the submission id, unknown fields.

        Returns True when the answers may be stored. A stale CSRF token sets ``stale``; the
        other problems set ``malformed``. A bad or unissued submission id is replaced by a
        fresh one so the re-rendered form can be sent again. Unknown fields (neither the
        envelope nor a question of the questionnaire) are reported in one line.
        """
        super().validate()  # only the CSRF token has validators
        if self.meta.csrf and self.csrf_token.errors:
            self.stale = True
            self.csrf_token.errors = []
            self.summary.append(
                SummaryItem(_("Сторінка застаріла, натисніть «Надіслати» ще раз."), None)
            )
        posted_ids = formdata.getlist("submission_id")
        if len(posted_ids) != 1 or not is_valid_submission_id(posted_ids[0]):
            self.add_errors(
                [AnswerError(None, _("Форма пошкоджена: натисніть «Надіслати» ще раз."), True)],
            )
        elif self.link_id is None or not is_issued_submission_id(posted_ids[0], self.link_id):
            self.add_errors([AnswerError(None, unissued_submission_id_message(), True)])
        keys = {FIELD_PREFIX + question.key for question in self.questions} | SERVICE_FIELDS
        unknown = [name for name in formdata if name not in keys]
        if unknown:
            message = _("Форма містить невідомі поля: %(names)s.", names=unknown_names(unknown))
            self.add_errors([AnswerError(None, message, True)])
        return not (self.stale or self.malformed)

    def check_answers(
        self, questionnaire: QuestionnaireStructure, formdata: MultiDict[str, str]
    ) -> None:
        """Put the answer problems at their questions without storing anything."""
        try:
            check_answers(questionnaire, self.answers(formdata))
        except InvalidAnswers as error:
            self.add_errors(error.errors)

    def add_errors(self, errors: tuple[AnswerError, ...] | list[AnswerError]) -> None:
        """Show problems at their questions and in the summary at the top of the page."""
        by_key = {question.key: question for question in self.questions}
        for error in errors:
            self.malformed = self.malformed or error.malformed
            question = by_key.get(error.question_key or "")
            if question is None:
                # Nothing was stored: a fresh id can do no harm and unblocks a conflicting one.
                self._issue_if_not(None)
                self.summary.append(SummaryItem(error.message, None))
                continue
            self.question_errors.setdefault(question.key, []).append(error.message)
            number, message = question.number, error.message
            line = _("Питання %(number)s: %(message)s", number=number, message=message)
            self.summary.append(SummaryItem(line, self.fieldset_id(question)))

    @property
    def status_code(self) -> int:
        """Return the HTTP status for re-rendering: 400 if the post was malformed or stale."""
        return 400 if (self.malformed or self.stale) else 200
