"""Builder pages (staff): the working group writes the campaign's questionnaires.

URLs (all under the campaign, so visibility is the campaign's: another school gets 404; only
members and admins, directors get 403; downloads and the preview are open to anyone who sees
the campaign):

- ``GET  /campaigns/<id>/questionnaires/`` — overview: the three roles, start own questionnaires
- ``POST /campaigns/<id>/questionnaires/start`` — ``source`` = ``library`` (copy) | ``scratch``
- ``GET|POST /campaigns/<id>/questionnaires/direction`` — requirements, topics, scales (YAML)
- ``GET  /campaigns/<id>/questionnaires/<role>`` — the editor: questions, buttons, history
- ``POST /campaigns/<id>/questionnaires/<role>/settings`` — title and introduction
- ``GET|POST /campaigns/<id>/questionnaires/<role>/questions/new`` — add a question
- ``GET|POST /campaigns/<id>/questionnaires/<role>/questions/<key>`` — edit a question
- ``POST /campaigns/<id>/questionnaires/<role>/questions/<key>/move`` — ``step`` -1 | 1
- ``POST …/questions/<key>/duplicate``
- ``GET|POST …/questions/<key>/delete`` — the confirmation page; its form (``confirm=1``) deletes
- ``GET  /campaigns/<id>/questionnaires/<role>/preview`` — as the respondent sees it
- ``GET  /campaigns/<id>/questionnaires/<role>.yaml`` — download (the documented format)
- ``POST /campaigns/<id>/questionnaires/<role>/upload`` — replace by an uploaded YAML file
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from app.auth import editor_required, visible_campaign_or_404
from app.builder import service
from app.builder.forms import (
    TYPE_LABELS,
    ConfirmForm,
    DirectionForm,
    MoveForm,
    SettingsForm,
    StartForm,
    UploadForm,
    question_form,
)
from app.errors import AnketaError
from app.models import Campaign, Questionnaire
from app.surveys.definitions.library import DefinitionError, dump_direction, dump_questionnaire
from app.surveys.definitions.structure import load_structure
from app.surveys.respondent.forms import RespondentForm

bp = Blueprint("builder", __name__, url_prefix="/campaigns/<int:campaign_id>/questionnaires")

ROLE = "<any(teachers, students, parents):role>"
MAX_UPLOAD_BYTES = 1024 * 1024


def _latest(campaign: Campaign, role: str) -> Questionnaire:
    questionnaire = Questionnaire.latest(campaign.direction_id, role)
    if questionnaire is None:
        abort(404)
    return questionnaire


def _editor(campaign: Campaign, role: str) -> Any:
    return redirect(url_for(".role", campaign_id=campaign.id, role=role))


def _run(campaign: Campaign, role: str, action: Callable[[], service.SaveOutcome]) -> Any:
    """Run a save, flash its outcome or its errors, and go back to the editor."""
    try:
        outcome = action()
    except DefinitionError as error:
        for item in error.errors:
            flash(f"{item.field}: {item.message}", "error")
    except (AnketaError, KeyError) as error:
        flash(
            str(error) if isinstance(error, AnketaError) else _("Запитання не знайдено."), "error"
        )
    else:
        flash(outcome.message(), "info")
    return _editor(campaign, role)


def _edit(
    campaign: Campaign,
    role: str,
    kind: str,
    summary: str,
    change: Callable[[service.Document], object],
) -> Any:
    """Apply ``change`` to the role's questionnaire as one edit recorded in its history (``kind``,
    ``summary``), then go back to the editor with its outcome (:func:`_run`)."""
    return _run(
        campaign,
        role,
        lambda: service.edit(campaign, role, current_user, kind, summary, change),
    )


@bp.route("/")
@login_required
def index(campaign_id: int) -> Any:
    campaign = visible_campaign_or_404(campaign_id)
    latest = {role: Questionnaire.latest(campaign.direction_id, role) for role in service.ROLES}
    return render_template(
        "builder/index.html",
        campaign=campaign,
        latest=latest,
        own=service.is_own(campaign),
        form=StartForm(),
        history=service.history(campaign.direction) if service.is_own(campaign) else [],
    )


@bp.route("/start", methods=["POST"])
@editor_required
def start(campaign_id: int) -> Any:
    campaign = visible_campaign_or_404(campaign_id)
    form = StartForm()
    if form.validate_on_submit():
        try:
            service.start_own_questionnaires(campaign, current_user, form.source.data or "")
        except AnketaError as error:
            flash(str(error), "error")
        else:
            flash(_("Власні анкети закладу створено: їх можна редагувати."), "info")
    return redirect(url_for(".index", campaign_id=campaign.id))


@bp.route("/direction", methods=["GET", "POST"])
@editor_required
def direction(campaign_id: int) -> Any:
    campaign = visible_campaign_or_404(campaign_id)
    form = DirectionForm(data={"text": dump_direction(campaign.direction)})
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            changed = service.save_direction(campaign, form.text.data or "", current_user)
        except DefinitionError as error:
            errors = [str(item) for item in error.errors]
        except AnketaError as error:
            errors = [str(error)]
        else:
            flash(_("Зміни збережено.") if changed else _("Змін немає."), "info")
            return redirect(url_for(".index", campaign_id=campaign.id))
    return render_template("builder/direction.html", campaign=campaign, form=form, errors=errors), (
        422 if errors else 200
    )


@bp.route(f"/{ROLE}")
@login_required
def role(campaign_id: int, role: str) -> Any:
    campaign = visible_campaign_or_404(campaign_id)
    questionnaire = _latest(campaign, role)
    link = campaign.link_for(role)
    return render_template(
        "builder/role.html",
        campaign=campaign,
        role=role,
        questionnaire=questionnaire,
        link=link,
        own=service.is_own(campaign),
        has_responses=questionnaire.has_responses(),
        type_labels=TYPE_LABELS,
        settings_form=SettingsForm(
            data={"title": questionnaire.title, "intro": questionnaire.intro}
        ),
        confirm_form=ConfirmForm(),
        upload_form=UploadForm(),
        history=service.history(campaign.direction, role) if service.is_own(campaign) else [],
    )


@bp.route(f"/{ROLE}/settings", methods=["POST"])
@editor_required
def settings(campaign_id: int, role: str) -> Any:
    campaign = visible_campaign_or_404(campaign_id)
    form = SettingsForm()
    if not form.validate_on_submit():
        flash(_("Назва анкети обов'язкова."), "error")
        return _editor(campaign, role)

    def change(document: service.Document) -> None:
        document["title"] = (form.title.data or "").strip()
        document["intro"] = (form.intro.data or "").strip() or None
        if document["intro"] is None:
            document.pop("intro")

    return _edit(campaign, role, "settings", _("Змінено назву або вступ"), change)


def _question_page(campaign: Campaign, role: str, key: str | None) -> Any:
    """Show and save the question form (new when ``key`` is None)."""
    questionnaire = _latest(campaign, role)
    document = service.questionnaire_document(questionnaire)
    try:
        old = service.question_entry(document, key) if key else None
    except KeyError:
        abort(404)
    if old is None:
        defaults = {
            "key": service.next_question_id(document, role),
            "number": service.next_number(document),
        }
        data = {**service.question_fields(None), **defaults}
    else:
        data = service.question_fields(old)
    form = question_form(campaign.direction, data=None if request.method == "POST" else data)
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            entry = service.entry_from_fields(form.fields_data(), old)
            service.put_question(document, entry, key)
            outcome = service.save_document(
                campaign,
                role,
                document,
                current_user,
                "edit_question" if key else "add_question",
                (_("Змінено запитання %(id)s") if key else _("Додано запитання %(id)s"))
                % {"id": entry["id"]},
            )
        except DefinitionError as error:
            errors = [str(item) for item in error.errors]
        except AnketaError as error:
            errors = [str(error)]
        else:
            flash(outcome.message(), "info")
            return _editor(campaign, role)
    elif request.method == "POST":
        errors = [
            f"{form[name].label.text}: {' '.join(messages)}"
            for name, messages in form.errors.items()
        ]
    candidates = service.measures_candidates(campaign, role, form.text.data or "")
    return render_template(
        "builder/question.html",
        campaign=campaign,
        role=role,
        form=form,
        key=key,
        errors=errors,
        candidates=candidates,
    ), (422 if errors else 200)


@bp.route(f"/{ROLE}/questions/new", methods=["GET", "POST"])
@editor_required
def new_question(campaign_id: int, role: str) -> Any:
    campaign = visible_campaign_or_404(campaign_id)
    if not service.is_own(campaign):
        flash(_("Спершу створіть власні анкети закладу."), "error")
        return redirect(url_for(".index", campaign_id=campaign.id))
    return _question_page(campaign, role, None)


@bp.route(f"/{ROLE}/questions/<key>", methods=["GET", "POST"])
@editor_required
def edit_question(campaign_id: int, role: str, key: str) -> Any:
    campaign = visible_campaign_or_404(campaign_id)
    if not service.is_own(campaign):
        flash(_("Спершу створіть власні анкети закладу."), "error")
        return redirect(url_for(".index", campaign_id=campaign.id))
    return _question_page(campaign, role, key)


@bp.route(f"/{ROLE}/questions/<key>/move", methods=["POST"])
@editor_required
def move(campaign_id: int, role: str, key: str) -> Any:
    campaign = visible_campaign_or_404(campaign_id)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    step = int(form.step.data or 0)
    summary = (
        _("Запитання %(id)s переміщено вгору")
        if step < 0
        else _("Запитання %(id)s переміщено вниз")
    ) % {"id": key}
    return _edit(
        campaign,
        role,
        "move_question",
        summary,
        lambda document: service.move_question(document, key, step),
    )


@bp.route(f"/{ROLE}/questions/<key>/duplicate", methods=["POST"])
@editor_required
def duplicate(campaign_id: int, role: str, key: str) -> Any:
    campaign = visible_campaign_or_404(campaign_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return _edit(
        campaign,
        role,
        "duplicate_question",
        _("Запитання %(id)s продубльовано") % {"id": key},
        lambda document: service.duplicate_question(document, key, role),
    )


@bp.route(f"/{ROLE}/questions/<key>/delete", methods=["GET", "POST"])
@editor_required
def delete(campaign_id: int, role: str, key: str) -> Any:
    """GET: a page that shows the question and asks to confirm. POST from that page
    (``confirm=1``): the question is deleted. Any other POST changes nothing and leads to the
    page (a deleted question can only be written again)."""
    campaign = visible_campaign_or_404(campaign_id)
    if request.method == "GET" or request.form.get("confirm") != "1":
        return _confirm_delete(campaign, role, key)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return _edit(
        campaign,
        role,
        "delete_question",
        _("Запитання %(id)s видалено") % {"id": key},
        lambda document: service.delete_question(document, key),
    )


def _confirm_delete(campaign: Campaign, role: str, key: str) -> Any:
    """The delete confirmation page (GET), or a redirect to it (an unconfirmed POST); 404 for
    an unknown question; library questionnaires go back to the overview, as edits do."""
    if request.method == "POST":
        url = url_for(".delete", campaign_id=campaign.id, role=role, key=key)
        return redirect(url, 303)
    if not service.is_own(campaign):
        flash(_("Спершу створіть власні анкети закладу."), "error")
        return redirect(url_for(".index", campaign_id=campaign.id))
    questionnaire = _latest(campaign, role)
    question = next((q for q in questionnaire.questions if q.key == key), None) or abort(404)
    return render_template(
        "builder/delete.html",
        campaign=campaign,
        role=role,
        questionnaire=questionnaire,
        question=question,
        has_responses=questionnaire.has_responses(),
        form=ConfirmForm(),
    )


@bp.route(f"/{ROLE}/preview")
@login_required
def preview(campaign_id: int, role: str) -> Any:
    campaign = visible_campaign_or_404(campaign_id)
    questionnaire = _latest(campaign, role)
    structure = load_structure(questionnaire.id)  # read afresh: the version being edited
    return render_template(
        "builder/preview.html",
        campaign=campaign,
        questionnaire=questionnaire,
        structure=structure,
        form=RespondentForm(questions=structure.questions),
        answers=MultiDict(),
    )


@bp.route(f"/{ROLE}.yaml")
@login_required
def download(campaign_id: int, role: str) -> Any:
    campaign = visible_campaign_or_404(campaign_id)
    questionnaire = _latest(campaign, role)
    return Response(
        dump_questionnaire(questionnaire),
        mimetype="application/yaml",
        headers={
            "Content-Disposition": f'attachment; filename="{role}.yaml"',
            "Cache-Control": "no-store",
        },
    )


@bp.route(f"/{ROLE}/upload", methods=["POST"])
@editor_required
def upload(campaign_id: int, role: str) -> Any:
    campaign = visible_campaign_or_404(campaign_id)
    form = UploadForm()
    if not form.validate_on_submit():
        flash(_("Виберіть файл анкети (.yaml)."), "error")
        return _editor(campaign, role)
    raw = form.file.data.read(MAX_UPLOAD_BYTES + 1)
    name = (form.file.data.filename or f"{role}.yaml").rsplit("/", 1)[-1][:100]
    if len(raw) > MAX_UPLOAD_BYTES:
        flash(_("Файл завеликий: найбільший допустимий розмір — 1 МБ."), "error")
        return _editor(campaign, role)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        flash(_("%(file)s: файл не в кодуванні UTF-8.", file=name), "error")
        return _editor(campaign, role)
    try:
        outcome = service.save_yaml(
            campaign,
            role,
            text,
            current_user,
            "upload",
            _("Завантажено файл %(file)s", file=name),
            file=name,
        )
    except DefinitionError as error:
        for item in error.errors:
            flash(str(item), "error")
    except AnketaError as error:
        flash(str(error), "error")
    else:
        flash(outcome.message(), "info")
    return _editor(campaign, role)
