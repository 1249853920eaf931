"""Results, texts and export pages (staff).

Every page 404s for a campaign of another school (``Campaign.visible_to``). Directors read
(the open answers too, on the results page); only members and admins post (texts, level
override: 403 for a director) and download the responses.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.auth import editor_required, visible_campaign_or_404
from app.dashboard import charts, services
from app.dashboard.forms import LevelForm, texts_form_class
from app.errors import AnketaError
from app.models import Campaign

bp = Blueprint("dashboard", __name__)


def _render_results(campaign: Campaign, level_form: LevelForm, status: int = 200) -> Any:
    from app.results.service import analyze_campaign  # scipy: imported on first use

    page = services.results_page(analyze_campaign(campaign), campaign, current_user)
    return render_template(
        "dashboard/results.html", campaign=campaign, page=page, level_form=level_form,
        charts=charts,
    ), status  # fmt: skip


@bp.route("/campaigns/<int:campaign_id>/results")
@login_required
def results(campaign_id: int) -> Any:
    """The results page: summary of gaps, constructs side by side, level, open answers."""
    campaign = visible_campaign_or_404(campaign_id)
    form = LevelForm(
        level_override=campaign.level_override or "",
        level_justification=campaign.level_justification or "",
    )
    return _render_results(campaign, form)


@bp.route("/campaigns/<int:campaign_id>/results/groups")
@login_required
def groups(campaign_id: int) -> Any:
    """The breakdowns by group (class, …) of every question, with the small groups hidden:
    on a page of their own, so that the results page stays light on a phone."""
    from app.results.service import analyze_campaign

    campaign = visible_campaign_or_404(campaign_id)
    page = services.results_page(analyze_campaign(campaign))
    return render_template("dashboard/groups.html", campaign=campaign, page=page, charts=charts)


@bp.route("/campaigns/<int:campaign_id>/level", methods=["POST"])
@login_required
@editor_required
def level(campaign_id: int) -> Any:
    """Store the working group's level; on an error re-render the results with the input."""
    campaign = visible_campaign_or_404(campaign_id)
    form = LevelForm()
    if form.validate_on_submit():
        try:
            services.set_override(campaign, form.level_override.data,
                                  form.level_justification.data, current_user)  # fmt: skip
        except AnketaError as error:
            form.level_justification.errors = [str(error)]
        else:
            flash(_("Рівень збережено."), "success")
            return redirect(url_for(".results", campaign_id=campaign.id, _anchor="level"), 303)
    return _render_results(campaign, form, 400)


@bp.route("/campaigns/<int:campaign_id>/texts", methods=["GET", "POST"])
@login_required
def texts(campaign_id: int) -> Any:
    """The довідка's texts: read-only for a director, a form for the working group."""
    campaign = visible_campaign_or_404(campaign_id)
    if request.method == "POST" and not current_user.can_edit:
        abort(403)
    topics = services.topic_fields(campaign)
    requirements = services.requirement_fields(campaign)
    form_class = texts_form_class(topics, requirements)
    status = 200
    if request.method == "POST":
        form = form_class()
        if form.validate_on_submit():
            try:
                services.save_texts_from_form(campaign, form.data, current_user)
            except AnketaError as error:
                flash(str(error), "error")
            else:
                flash(_("Тексти довідки збережено."), "success")
                return redirect(url_for(".texts", campaign_id=campaign.id), 303)
        status = 400
    else:
        form = form_class(data=services.texts_form_data(campaign))
    return render_template(
        "dashboard/texts.html", campaign=campaign, form=form, topics=topics,
        requirements=requirements, readonly=not current_user.can_edit,
    ), status  # fmt: skip
