"""Respondent pages: /s/<token> (the whole questionnaire as one form) and /s/<token>/thanks.

Anonymous by design: nothing here reads, logs or stores the IP address, user agent or any
cookie of the respondent. A campaign that is not open answers a polite page: 200 on GET,
409 Conflict on POST (the state of the campaign, not the person, refuses the answers).

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
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.errors import DATABASE_UNAVAILABLE
from app.extensions import csrf, db
from app.models import Campaign, Question, Questionnaire, RespondentLink
from app.surveys.forms import RespondentForm, respondent_form_class
from app.surveys.service import (
    CampaignNotOpen,
    InvalidAnswers,
    kyiv_today,
    respondent_status,
    store_response,
)

bp = Blueprint("respondent", __name__, url_prefix="/s")
# The form checks its own CSRF token so that a stale one re-renders the answers instead of
# losing them on an error page (and no Referer is needed: we send none, by policy).
csrf.exempt(bp)

TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
RETRY_AFTER_SECONDS = 30


def _link_or_404(token: str, with_questions: bool = False) -> RespondentLink:
    """Return the link with its campaign and school (and, if asked, every question with its
    options) loaded in three queries instead of one per question: this is the hot path when a
    whole school answers in the same lesson."""
    if not TOKEN.fullmatch(token):
        abort(404)
    questionnaire = joinedload(RespondentLink.questionnaire)
    if with_questions:
        questionnaire = questionnaire.selectinload(Questionnaire.questions).selectinload(
            Question.options
        )
    link = db.session.scalar(
        select(RespondentLink)
        .where(RespondentLink.token == token)
        .options(joinedload(RespondentLink.campaign).joinedload(Campaign.school), questionnaire)
    )
    if link is None:
        abort(404)
    return link


def _not_open(link: RespondentLink, status: str, code: int) -> tuple[str, int]:
    return render_template("respondent/not_open.html", link=link, status=status), code


def _form_page(link: RespondentLink, form: RespondentForm, code: int = 200) -> tuple[str, int]:
    return render_template("respondent/form.html", link=link, form=form), code


@bp.route("/<token>", methods=["GET", "POST"])
def entry(token: str) -> Any:
    link = _link_or_404(token, with_questions=True)
    status = respondent_status(link, kyiv_today())
    if request.method == "GET" and status != "open":
        return _not_open(link, status, 200)
    form = respondent_form_class(link.questionnaire)()
    if request.method == "GET":
        return _form_page(link, form)
    return _submit(link, form, status)


def _submit(link: RespondentLink, form: RespondentForm, status: str) -> Any:
    """Store a post and redirect to the thanks page, or re-render it with its problems."""
    if form.check_envelope(request.form):
        try:
            store_response(
                link,
                form.answers(request.form),
                request.form["submission_id"],
                today=kyiv_today(),
                max_text_length=current_app.config["ANKETA_MAX_TEXT_LENGTH"],
            )
        except CampaignNotOpen as error:
            return _not_open(link, error.status, 409)
        except InvalidAnswers as error:
            form.add_errors(error.errors)
        else:
            # The token from the URL, not ``link.token``: the commit expired the link, and
            # reading it back would reload the whole questionnaire.
            return redirect(url_for(".thanks", token=request.view_args["token"]), 303)
    elif status != "open":
        return _not_open(link, status, 409)
    else:
        form.check_answers(link.questionnaire, request.form)
    return _form_page(link, form, form.status_code)


@bp.route("/<token>/thanks")
def thanks(token: str) -> Any:
    link = _link_or_404(token)
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
