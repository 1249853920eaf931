"""Import pages (staff): upload a CSV, confirm the mapping, see the result.

- ``GET|POST /campaigns/<id>/import`` — the upload form (role and file); POST stores the file
  and redirects to the confirmation step
- ``GET|POST /campaigns/<id>/import/<upload>`` — the proposed mapping of columns to questions
  and of unknown answers to options; POST ``action=check`` shows it again with the user's
  choices, ``action=import`` imports (all or nothing, logged as an ``ImportBatch`` with the
  user, shown on the campaign page and in the довідка) and redirects to the result,
  ``action=cancel`` drops the file
- ``GET /campaigns/<id>/import/result`` — responses imported per role

Members and admins only (directors 403); another school's campaign is a 404.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from app.auth import editor_required, visible_campaign_or_404
from app.errors import AnketaError, NotFound
from app.imports import service
from app.imports.engine import (
    CsvImportError,
    ImportAnalysis,
    ImportOrigin,
    ImportPlan,
    analyze_csv,
    import_csv,
    read_header,
)
from app.imports.forms import ConfirmForm, UploadForm
from app.models import ImportChannel

bp = Blueprint("imports", __name__, url_prefix="/campaigns/<int:campaign_id>/import")


@bp.route("", methods=["GET", "POST"])
@editor_required
def upload(campaign_id: int) -> Any:
    campaign = visible_campaign_or_404(campaign_id)
    form = UploadForm.for_campaign(campaign)
    if form.validate_on_submit():
        try:
            stored = service.save_upload(
                service.upload_folder(current_app),
                campaign,
                form.role.data or "",
                form.file.data.stream,
                form.file.data.filename or "",
            )
        except AnketaError as error:
            flash(str(error), "error")
        else:
            return redirect(url_for(".confirm", campaign_id=campaign.id, upload_id=stored.id))
    return render_template(
        "imports/upload.html", campaign=campaign, form=form, counts=campaign.response_counts()
    )


def _answer_rows(analysis: ImportAnalysis | None, plan: ImportPlan) -> list[dict[str, Any]]:
    """The answers needing a decision (unknown) and those already decided (kept as choices)."""
    rows: list[dict[str, Any]] = [
        {"question": key, "value": value, "option": option, "rows": None, "count": None}
        for (key, value), option in plan.answers.items()
    ]
    for item in analysis.unknown if analysis else []:
        rows.append(
            {
                "question": item.question_key,
                "value": item.value,
                "option": "",
                "rows": item.rows,
                "count": item.count,
            }
        )
    return rows


@bp.route("/<upload_id>", methods=["GET", "POST"])
@editor_required
def confirm(campaign_id: int, upload_id: str) -> Any:
    campaign = visible_campaign_or_404(campaign_id)
    try:
        stored = service.get_upload(service.upload_folder(current_app), campaign, upload_id)
        link = service.link_of(campaign, stored)
    except NotFound as missing:
        flash(str(missing), "error")
        return redirect(url_for(".upload", campaign_id=campaign.id))
    form = ConfirmForm()
    action = request.form.get("action", "check")
    if request.method == "POST" and not form.validate_on_submit():
        abort(400)
    if action == "cancel":
        service.discard_upload(stored)
        flash(_("Імпорт скасовано: нічого не збережено."), "info")
        return redirect(url_for(".upload", campaign_id=campaign.id))
    max_text = current_app.config["ANKETA_MAX_TEXT_LENGTH"]
    analysis: ImportAnalysis | None = None
    error: CsvImportError | None = None
    plan = ImportPlan()
    try:
        if request.method == "POST":
            plan = service.plan_from_form(request.form, len(read_header(stored.path)))
        if action == "import" and request.method == "POST":
            try:
                origin = ImportOrigin(current_user.id, ImportChannel.WEB.value, stored.filename)
                result = import_csv(
                    stored.path, link, plan, max_text_length=max_text, origin=origin
                )
            except CsvImportError as caught:
                error = caught
            else:
                service.discard_upload(stored)
                session["import_result"] = {
                    "role": result.role,
                    "imported": result.imported,
                    "skipped": result.skipped,
                    "file": stored.filename,
                }
                return redirect(url_for(".result", campaign_id=campaign.id), 303)
        analysis = analyze_csv(stored.path, link, plan, max_text_length=max_text)
    except CsvImportError as caught:
        error = caught
    return render_template(
        "imports/confirm.html",
        campaign=campaign,
        upload=stored,
        link=link,
        form=form,
        analysis=analysis,
        error=error,
        answer_rows=_answer_rows(analysis, plan),
    ), (422 if error else 200)


@bp.route("/result")
@editor_required
def result(campaign_id: int) -> Any:
    campaign = visible_campaign_or_404(campaign_id)
    return render_template(
        "imports/result.html",
        campaign=campaign,
        result=session.get("import_result"),
        counts=campaign.response_counts(),
    )
