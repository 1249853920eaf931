"""Builder pages (staff): the working group writes the school's own questionnaires.

What the editor changes is the school's own copy of a direction, which every campaign of the
school on that direction uses: so the editor hangs under the school and the copy, not under a
campaign, and every page of it lists the campaigns the copy reaches with their responses (a
save says so too). Visibility is the school's: another school gets 404, and so does a
direction that is not this school's copy; only members and admins edit, directors get 403;
downloads and the preview are open to anyone who sees the school.

The campaign's page (what it uses, and the start of own questionnaires):

- ``GET  /campaigns/<id>/questionnaires/`` — the campaign's questionnaires; a link to the copy
- ``POST /campaigns/<id>/questionnaires/start`` — ``source`` = ``library`` (copy) | ``scratch``

The editor, under ``/schools/<slug>/directions/<direction_id>/questionnaires``:

- ``GET  …/`` — overview: the three roles, the campaigns using the copy, the history
- ``GET|POST …/direction`` — requirements, topics, scales (YAML)
- ``GET  …/<role>`` — the editor: questions, buttons, history
- ``POST …/<role>/settings`` — title and introduction
- ``GET|POST …/<role>/questions/new`` — add a question
- ``GET|POST …/<role>/questions/<key>`` — edit a question
- ``POST …/<role>/questions/<key>/move`` — ``step`` -1 | 1
- ``POST …/<role>/questions/<key>/duplicate``
- ``GET|POST …/<role>/questions/<key>/delete`` — the confirmation page; its form (``confirm=1``)
  deletes
- ``GET  …/<role>/preview`` — as the respondent sees it
- ``GET  …/<role>.yaml`` — download (the documented format)
- ``POST …/<role>/upload`` — replace by an uploaded YAML file
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from app.auth import editor_required, visible_campaign_or_404, visible_school_copy_or_404
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
from app.extensions import db
from app.models import Direction, Questionnaire, School
from app.surveys.definitions.library import DefinitionError, dump_direction, dump_questionnaire
from app.surveys.definitions.structure import load_structure
from app.surveys.respondent.forms import RespondentForm
from app.vocabulary import ROLE_URL_PATTERN, ROLES

bp = Blueprint("builder", __name__)

CAMPAIGN = "/campaigns/<int:campaign_id>/questionnaires"
COPY = "/schools/<slug>/directions/<int:direction_id>/questionnaires"
ROLE = f"<{ROLE_URL_PATTERN}:role>"
MAX_UPLOAD_BYTES = 1024 * 1024


# --- the campaign's page ------------------------------------------------------------------------


@bp.route(f"{CAMPAIGN}/")
@login_required
def campaign(campaign_id: int) -> Any:
    campaign = visible_campaign_or_404(campaign_id)
    latest = {role: Questionnaire.latest(campaign.direction_id, role) for role in ROLES}
    return render_template(
        "builder/campaign.html",
        campaign=campaign,
        latest=latest,
        own=service.is_own(campaign),
        form=StartForm(),
    )


@bp.route(f"{CAMPAIGN}/start", methods=["POST"])
@editor_required
def start(campaign_id: int) -> Any:
    """Create the school's own copy for the campaign and open its editor (back to the
    campaign's page when refused)."""
    campaign = visible_campaign_or_404(campaign_id)
    form = StartForm()
    if form.validate_on_submit():
        try:
            own = service.start_own_questionnaires(campaign, current_user, form.source.data or "")
        except AnketaError as error:
            flash(str(error), "error")
        else:
            flash(_("Власні анкети закладу створено: їх можна редагувати."), "info")
            return redirect(url_for(".index", slug=campaign.school.slug, direction_id=own.id))
    return redirect(url_for(".campaign", campaign_id=campaign.id))


# --- the editor of the school's copy ------------------------------------------------------------


def _scope(slug: str, direction: Direction) -> dict[str, Any]:
    return {"slug": slug, "direction_id": direction.id}


def _render(template: str, slug: str, direction: Direction, **context: Any) -> str:
    """Render an editor page with what every one of them shows: the school, the copy and the
    campaigns using it (with their responses)."""
    return render_template(
        template,
        school=db.session.get(School, direction.school_id),
        direction=direction,
        scope=_scope(slug, direction),
        campaigns=service.campaigns_using(direction),
        **context,
    )


def _latest(direction: Direction, role: str) -> Questionnaire:
    questionnaire = Questionnaire.latest(direction.id, role)
    if questionnaire is None:
        abort(404)
    return questionnaire


def _editor(slug: str, direction: Direction, role: str) -> Any:
    return redirect(url_for(".role", role=role, **_scope(slug, direction)))


def _flash_saved(direction: Direction, message: str, changed: bool = True) -> None:
    """Flash a save's outcome and, when something changed, the campaigns it reaches."""
    flash(message, "info")
    affected = service.affected_message(service.campaigns_using(direction)) if changed else None
    if affected:
        flash(affected, "info")


def _run(
    slug: str, direction: Direction, role: str, action: Callable[[], service.SaveOutcome]
) -> Any:
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
        _flash_saved(direction, outcome.message(), outcome.changed)
    return _editor(slug, direction, role)


def _edit(
    slug: str,
    direction: Direction,
    role: str,
    kind: str,
    summary: str,
    change: Callable[[service.Document], object],
) -> Any:
    """Apply ``change`` to the role's questionnaire as one edit recorded in its history (``kind``,
    ``summary``), then go back to the editor with its outcome (:func:`_run`)."""
    return _run(
        slug,
        direction,
        role,
        lambda: service.edit(direction, role, current_user, kind, summary, change),
    )


@bp.route(f"{COPY}/")
@login_required
def index(slug: str, direction_id: int) -> Any:
    direction = visible_school_copy_or_404(slug, direction_id)
    latest = {role: Questionnaire.latest(direction.id, role) for role in ROLES}
    return _render(
        "builder/index.html", slug, direction, latest=latest, history=service.history(direction)
    )


@bp.route(f"{COPY}/direction", methods=["GET", "POST"])
@editor_required
def direction(slug: str, direction_id: int) -> Any:
    direction = visible_school_copy_or_404(slug, direction_id)
    form = DirectionForm(data={"text": dump_direction(direction)})
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            changed = service.save_direction(direction, form.text.data or "", current_user)
        except DefinitionError as error:
            errors = [str(item) for item in error.errors]
        except AnketaError as error:
            errors = [str(error)]
        else:
            _flash_saved(direction, _("Зміни збережено.") if changed else _("Змін немає."), changed)
            return redirect(url_for(".index", **_scope(slug, direction)))
    page = _render("builder/direction.html", slug, direction, form=form, errors=errors)
    return page, (422 if errors else 200)


@bp.route(f"{COPY}/{ROLE}")
@login_required
def role(slug: str, direction_id: int, role: str) -> Any:
    direction = visible_school_copy_or_404(slug, direction_id)
    questionnaire = _latest(direction, role)
    return _render(
        "builder/role.html",
        slug,
        direction,
        role=role,
        questionnaire=questionnaire,
        has_responses=questionnaire.has_responses(),
        type_labels=TYPE_LABELS,
        settings_form=SettingsForm(
            data={"title": questionnaire.title, "intro": questionnaire.intro}
        ),
        confirm_form=ConfirmForm(),
        upload_form=UploadForm(),
        history=service.history(direction, role),
    )


@bp.route(f"{COPY}/{ROLE}/settings", methods=["POST"])
@editor_required
def settings(slug: str, direction_id: int, role: str) -> Any:
    direction = visible_school_copy_or_404(slug, direction_id)
    form = SettingsForm()
    if not form.validate_on_submit():
        flash(_("Назва анкети обов'язкова."), "error")
        return _editor(slug, direction, role)

    def change(document: service.Document) -> None:
        document["title"] = (form.title.data or "").strip()
        document["intro"] = (form.intro.data or "").strip() or None
        if document["intro"] is None:
            document.pop("intro")

    return _edit(slug, direction, role, "settings", _("Змінено назву або вступ"), change)


def _question_page(slug: str, direction: Direction, role: str, key: str | None) -> Any:
    """Show and save the question form (new when ``key`` is None)."""
    questionnaire = _latest(direction, role)
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
    form = question_form(direction, data=None if request.method == "POST" else data)
    errors: list[str] = []
    if form.validate_on_submit():
        try:
            entry = service.entry_from_fields(form.fields_data(), old)
            service.put_question(document, entry, key)
            outcome = service.save_document(
                direction,
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
            _flash_saved(direction, outcome.message(), outcome.changed)
            return _editor(slug, direction, role)
    elif request.method == "POST":
        errors = [
            f"{form[name].label.text}: {' '.join(messages)}"
            for name, messages in form.errors.items()
        ]
    candidates = service.measures_candidates(direction, role, form.text.data or "")
    page = _render(
        "builder/question.html",
        slug,
        direction,
        role=role,
        form=form,
        key=key,
        errors=errors,
        candidates=candidates,
    )
    return page, (422 if errors else 200)


@bp.route(f"{COPY}/{ROLE}/questions/new", methods=["GET", "POST"])
@editor_required
def new_question(slug: str, direction_id: int, role: str) -> Any:
    direction = visible_school_copy_or_404(slug, direction_id)
    return _question_page(slug, direction, role, None)


@bp.route(f"{COPY}/{ROLE}/questions/<key>", methods=["GET", "POST"])
@editor_required
def edit_question(slug: str, direction_id: int, role: str, key: str) -> Any:
    direction = visible_school_copy_or_404(slug, direction_id)
    return _question_page(slug, direction, role, key)


@bp.route(f"{COPY}/{ROLE}/questions/<key>/move", methods=["POST"])
@editor_required
def move(slug: str, direction_id: int, role: str, key: str) -> Any:
    direction = visible_school_copy_or_404(slug, direction_id)
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
        slug,
        direction,
        role,
        "move_question",
        summary,
        lambda document: service.move_question(document, key, step),
    )


@bp.route(f"{COPY}/{ROLE}/questions/<key>/duplicate", methods=["POST"])
@editor_required
def duplicate(slug: str, direction_id: int, role: str, key: str) -> Any:
    direction = visible_school_copy_or_404(slug, direction_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return _edit(
        slug,
        direction,
        role,
        "duplicate_question",
        _("Запитання %(id)s продубльовано") % {"id": key},
        lambda document: service.duplicate_question(document, key, role),
    )


@bp.route(f"{COPY}/{ROLE}/questions/<key>/delete", methods=["GET", "POST"])
@editor_required
def delete(slug: str, direction_id: int, role: str, key: str) -> Any:
    """GET: a page that shows the question and asks to confirm. POST from that page
    (``confirm=1``): the question is deleted. Any other POST changes nothing and leads to the
    page (a deleted question can only be written again)."""
    direction = visible_school_copy_or_404(slug, direction_id)
    if request.method == "GET" or request.form.get("confirm") != "1":
        return _confirm_delete(slug, direction, role, key)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return _edit(
        slug,
        direction,
        role,
        "delete_question",
        _("Запитання %(id)s видалено") % {"id": key},
        lambda document: service.delete_question(document, key),
    )


def _confirm_delete(slug: str, direction: Direction, role: str, key: str) -> Any:
    """The delete confirmation page (GET), or a redirect to it (an unconfirmed POST); 404 for
    an unknown question."""
    if request.method == "POST":
        url = url_for(".delete", role=role, key=key, **_scope(slug, direction))
        return redirect(url, 303)
    questionnaire = _latest(direction, role)
    question = next((q for q in questionnaire.questions if q.key == key), None) or abort(404)
    return _render(
        "builder/delete.html",
        slug,
        direction,
        role=role,
        questionnaire=questionnaire,
        question=question,
        has_responses=questionnaire.has_responses(),
        form=ConfirmForm(),
    )


@bp.route(f"{COPY}/{ROLE}/preview")
@login_required
def preview(slug: str, direction_id: int, role: str) -> Any:
    direction = visible_school_copy_or_404(slug, direction_id)
    questionnaire = _latest(direction, role)
    structure = load_structure(questionnaire.id)  # read afresh: the version being edited
    return render_template(
        "builder/preview.html",
        school=db.session.get(School, direction.school_id),
        scope=_scope(slug, direction),
        questionnaire=questionnaire,
        structure=structure,
        form=RespondentForm(questions=structure.questions),
        answers=MultiDict(),
    )


@bp.route(f"{COPY}/{ROLE}.yaml")
@login_required
def download(slug: str, direction_id: int, role: str) -> Any:
    direction = visible_school_copy_or_404(slug, direction_id)
    questionnaire = _latest(direction, role)
    return Response(
        dump_questionnaire(questionnaire),
        mimetype="application/yaml",
        headers={
            "Content-Disposition": f'attachment; filename="{role}.yaml"',
            "Cache-Control": "no-store",
        },
    )


@bp.route(f"{COPY}/{ROLE}/upload", methods=["POST"])
@editor_required
def upload(slug: str, direction_id: int, role: str) -> Any:
    direction = visible_school_copy_or_404(slug, direction_id)
    form = UploadForm()
    if not form.validate_on_submit():
        flash(_("Виберіть файл анкети (.yaml)."), "error")
        return _editor(slug, direction, role)
    raw = form.file.data.read(MAX_UPLOAD_BYTES + 1)
    name = (form.file.data.filename or f"{role}.yaml").rsplit("/", 1)[-1][:100]
    if len(raw) > MAX_UPLOAD_BYTES:
        flash(_("Файл завеликий: найбільший допустимий розмір — 1 МБ."), "error")
        return _editor(slug, direction, role)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        flash(_("%(file)s: файл не в кодуванні UTF-8.", file=name), "error")
        return _editor(slug, direction, role)
    try:
        outcome = service.save_yaml(
            direction,
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
        _flash_saved(direction, outcome.message(), outcome.changed)
    return _editor(slug, direction, role)
