"""Respondent pages: /s/<token> (the whole questionnaire as one form) and /s/<token>/thanks.

Anonymous by design: nothing here reads, logs or stores the IP address or user agent of the
respondent. The one cookie is a flag without an identifier: after a stored response the browser
keeps ``anketa_sent=1`` for that link only (``Path=/s/<token>``), and the form then first says
«Ви вже надіслали відповіді з цього пристрою» with a deliberate «Надіслати ще одну» (a shared
classroom computer is legitimate); nothing about it reaches the database. A campaign that is
not open answers a polite page: 200 on GET and HEAD, 409 Conflict on POST (the state of the
campaign, not the person, refuses the answers).

A post is refused before its fields are parsed when it has more of them than the
questionnaire's form can send (413, a short page): a body of 200,000 made-up fields costs one
count of its «&» separators, not a page with a message per field.

When the database does not answer (restarting, overloaded, unreachable) the student gets a
503 page in the questionnaire's style; after a POST it carries every posted field (answers,
``submission_id``, ``csrf_token``) as hidden inputs behind a «Надіслати ще раз» button, so
nothing typed is lost and the retry is idempotent.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import get_locale
from markupsafe import Markup
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response as HttpResponse

from app import vocabulary
from app.errors import DATABASE_UNAVAILABLE
from app.extensions import csrf, db
from app.models import Campaign, RespondentLink
from app.surveys.definitions.structure import (
    QuestionnaireCache,
    QuestionnaireStructure,
    question_stamp,
)
from app.surveys.respondent.forms import SERVICE_FIELDS, RespondentForm
from app.surveys.respondent.service import (
    CampaignNotOpen,
    InvalidAnswers,
    respondent_status,
    store_response,
)

bp = Blueprint("respondent", __name__, url_prefix="/s")
# The form checks its own CSRF token so that a stale one re-renders the answers instead of
# losing them on an error page (and no Referer is needed: we send none, by policy).
csrf.exempt(bp)

TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
RETRY_AFTER_SECONDS = 30
NO_ANSWERS: MultiDict[str, str] = MultiDict()
READING = frozenset({"GET", "HEAD"})
#: The flag a browser keeps, per link, after it sent a response (no identifier: its value is 1).
SENT_COOKIE = "anketa_sent"
SENT_COOKIE_MAX_AGE = 400 * 24 * 3600  # the longest a browser keeps one: past a school year
#: Fields a post may have beyond the answers and the envelope (stray empty pairs of «&&»).
SPARE_FIELDS = 8


def _questionnaires() -> QuestionnaireCache:
    """Return this application's cache of questionnaire structures (one per process)."""
    return current_app.extensions.setdefault("anketa_questionnaires", QuestionnaireCache())


# Built once: the statement and its cache key, not just its compiled SQL, are reused.
LINK_BY_TOKEN = (
    select(RespondentLink)
    .where(RespondentLink.token == bindparam("token"))
    .options(
        joinedload(RespondentLink.campaign).joinedload(Campaign.school),
        joinedload(RespondentLink.questionnaire),
    )
)
LINK_AND_STAMP_BY_TOKEN = LINK_BY_TOKEN.add_columns(question_stamp(RespondentLink.questionnaire_id))


def _token_or_404(token: str) -> dict[str, str]:
    """Return the query parameters for a token; a malformed one is a 404 without asking the
    database."""
    if not TOKEN.fullmatch(token):
        abort(404)
    return {"token": token}


def _reads_only() -> None:
    """Run this request's queries in autocommit: a GET of a respondent page only reads, and
    without a transaction PostgreSQL is spared the BEGIN and the ROLLBACK round trips (~10 %
    more submissions/s under load). Each statement sees its own snapshot, as under the default
    READ COMMITTED. A session already in a transaction (the tests share one) keeps it."""
    if not db.session().in_transaction():
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def _link_or_404(token: str) -> tuple[RespondentLink, QuestionnaireStructure]:
    """Return the link and its questionnaire's questions, these from the per-process cache
    (this is the hot path when a whole school answers in the same lesson)."""
    params = _token_or_404(token)
    if request.method in READING:
        _reads_only()
    row = db.session.execute(LINK_AND_STAMP_BY_TOKEN, params).first()
    if row is None:
        abort(404)
    link, stamp_value = row
    return link, _questionnaires().structure(link.questionnaire, stamp_value)


def _not_open(link: RespondentLink, status: str, code: int) -> tuple[str, int]:
    return render_template("respondent/not_open.html", link=link, status=status), code


def _questions_markup(
    questionnaire: QuestionnaireStructure, form: RespondentForm, answers: MultiDict[str, str]
) -> Markup:
    """Return the questions' fieldsets with ``answers`` ticked and the form's errors shown; the
    blank form (a GET) is rendered once per questionnaire version and language."""

    def render() -> str:
        return render_template(
            "respondent/_questions.html", questionnaire=questionnaire, form=form, answers=answers
        )

    if answers or form.question_errors:
        return Markup(render())
    return _questionnaires().blank_form(questionnaire, str(get_locale()), render)


def _form_page(
    link: RespondentLink,
    questionnaire: QuestionnaireStructure,
    form: RespondentForm,
    answers: MultiDict[str, str] = NO_ANSWERS,
    code: int = 200,
) -> tuple[str, int]:
    questions = _questions_markup(questionnaire, form, answers)
    page = render_template("respondent/form.html", link=link, form=form, questions=questions)
    return page, code


def _field_limit(questionnaire: QuestionnaireStructure) -> int:
    """Return the most fields a post of this questionnaire's form may carry."""
    return questionnaire.max_answer_fields + len(SERVICE_FIELDS) + SPARE_FIELDS


def _too_many_fields(limit: int) -> bool:
    """Return True if the post has more than ``limit`` fields, counted before parsing them: the
    «&» separators of a URL-encoded body (read once, within MAX_CONTENT_LENGTH, and kept for
    the parser); a multipart body is counted by Werkzeug's own ``max_form_parts``."""
    request.max_form_parts = limit
    if request.mimetype != "application/x-www-form-urlencoded":
        return False
    return request.get_data(cache=True).count(b"&") + 1 > limit


def _refused(limit: int) -> tuple[str, int]:
    """The short page for a post that no form of this questionnaire can produce."""
    return render_template("respondent/refused.html", limit=limit), 413


@bp.route("/<token>", methods=["GET", "POST"])
def entry(token: str) -> Any:
    link, questionnaire = _link_or_404(token)
    has_questions = bool(questionnaire.questions)
    status = respondent_status(link, vocabulary.today(), has_questions=has_questions)
    reading = request.method in READING
    if reading and status != "open":
        return _not_open(link, status, 200)
    if reading and request.cookies.get(SENT_COOKIE) == "1" and "again" not in request.args:
        return render_template("respondent/already_sent.html", link=link)
    limit = _field_limit(questionnaire)
    if not reading and _too_many_fields(limit):
        return _refused(limit)
    try:
        form = RespondentForm(questions=questionnaire.questions, link_id=link.id)
    except RequestEntityTooLarge:  # a multipart post over max_form_parts
        return _refused(limit)
    if reading:
        return _form_page(link, questionnaire, form)
    return _submit(link, questionnaire, form, status)


def _sent(token: str) -> HttpResponse:
    """Redirect to the thanks page and have the browser remember, for this link only, that it
    sent a response (a flag, no identifier)."""
    response = redirect(url_for(".thanks", token=token), 303)
    response.set_cookie(
        SENT_COOKIE,
        "1",
        max_age=SENT_COOKIE_MAX_AGE,
        path=url_for(".entry", token=token),
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        httponly=True,
        samesite="Lax",
    )
    return response


def _submit(
    link: RespondentLink, questionnaire: QuestionnaireStructure, form: RespondentForm, status: str
) -> Any:
    """Store a post and redirect to the thanks page, or re-render it with its problems."""
    if form.check_envelope(request.form):
        try:
            store_response(
                link,
                form.answers(request.form),
                request.form["submission_id"],
                today=vocabulary.today(),
                max_text_length=current_app.config["ANKETA_MAX_TEXT_LENGTH"],
                questionnaire=questionnaire,
            )
        except CampaignNotOpen as error:
            return _not_open(link, error.status, 409)
        except InvalidAnswers as error:
            form.add_errors(error.errors)
        else:
            # The token from the URL, not ``link.token``: the commit expired the link, and
            # reading it back would cost a query.
            return _sent((request.view_args or {})["token"])
    elif status != "open":
        return _not_open(link, status, 409)
    else:
        form.check_answers(questionnaire, request.form)
    return _form_page(link, questionnaire, form, request.form, form.status_code)


@bp.route("/<token>/thanks")
def thanks(token: str) -> Any:
    params = _token_or_404(token)
    _reads_only()
    link = db.session.scalar(LINK_BY_TOKEN, params)
    if link is None:
        abort(404)
    return render_template("respondent/thanks.html", link=link)


@bp.errorhandler(404)
def not_found(error: Exception) -> tuple[str, int]:
    """A friendly page for a mistyped or outdated respondent link."""
    return render_template("respondent/not_found.html"), 404


def database_unavailable(error: Exception) -> tuple[str, int, dict[str, str]]:
    """A 503 page that keeps a POST's fields as hidden inputs, ready to be sent again."""
    # The connection may be gone: then rolling back fails too, and the pool replaces it.
    with contextlib.suppress(*DATABASE_UNAVAILABLE):
        db.session.rollback()
    current_app.logger.error("respondent: database unavailable (%s)", type(error).__name__)
    resend = request.method == "POST" and request.endpoint == "respondent.entry"
    fields = list(request.form.items(multi=True)) if resend else []
    page = render_template("respondent/unavailable.html", resend=resend, fields=fields)
    return page, 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}


for _exception in DATABASE_UNAVAILABLE:
    bp.register_error_handler(_exception, database_unavailable)
