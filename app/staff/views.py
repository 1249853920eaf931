"""Staff pages under /campaigns: the working group's and the director's web UI.

A campaign of another school is a 404 (never a 403), so ids reveal nothing.
"""

from __future__ import annotations

import io
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import vocabulary
from app.auth import editor_required, visible_campaign_or_404
from app.config import DEFAULT_BASE_URL, is_local_base_url
from app.errors import AnketaError
from app.imports.log import import_log
from app.models import Campaign
from app.staff import services
from app.staff.forms import ROLE_LABELS, ConfirmForm, ExpectedCountsForm, campaign_form_for
from app.staff.qr import CONTENT_TYPES, qr_image
from app.vocabulary import ROLE_URL_PATTERN

bp = Blueprint("staff", __name__)


def base_url() -> str:
    """Return the base of respondent links: config ``ANKETA_BASE_URL``, else the development
    default. Never the request's Host header, which any client can forge."""
    return current_app.config.get("ANKETA_BASE_URL") or DEFAULT_BASE_URL


def _link_urls(campaign: Campaign) -> dict[str, str]:
    return {link.role: services.respondent_url(base_url(), link.token) for link in campaign.links}


def _links_context(campaign: Campaign) -> dict[str, Any]:
    """The links of a campaign page or sheet, and whether they point at this computer."""
    base = base_url()
    return {"urls": _link_urls(campaign), "base_url": base, "local_links": is_local_base_url(base)}


@bp.app_context_processor
def _role_labels() -> dict[str, Any]:
    return {"role_labels": ROLE_LABELS}


@bp.route("/")
@login_required
def index() -> Any:
    return redirect(url_for("staff.campaigns"))


@bp.route("/campaigns/")
@login_required
def campaigns() -> Any:
    campaigns = services.campaigns_for(current_user)
    return render_template(
        "staff/campaigns.html",
        campaigns=campaigns,
        counts=Campaign.response_counts_of(campaigns),
    )


@bp.route("/campaigns/new", methods=["GET", "POST"])
@editor_required
def new_campaign() -> Any:
    form = campaign_form_for(current_user, vocabulary.today())
    if form.validate_on_submit():
        try:
            campaign = services.create_campaign_for(
                current_user,
                form.school_id.data if "school_id" in form else None,
                form.direction.data or "",
                form.academic_year.data or "",
                form.title.data,
                form.opens_on.data,
                form.closes_on.data,
            )
        except AnketaError as error:
            flash(str(error), "error")
        else:
            flash(_("Кампанію створено."), "info")
            return redirect(url_for("staff.campaign", campaign_id=campaign.id))
    return render_template("staff/new_campaign.html", form=form)


@bp.route("/campaigns/<int:campaign_id>")
@login_required
def campaign(campaign_id: int) -> Any:
    campaign = visible_campaign_or_404(campaign_id)
    counts_form = ExpectedCountsForm(
        data={link.role: link.expected_count for link in campaign.links}
    )
    return render_template(
        "staff/campaign.html",
        campaign=campaign,
        counts=campaign.response_counts(),
        rates=services.response_rates(campaign),
        **_links_context(campaign),
        counts_form=counts_form,
        imports=import_log(campaign.id),
    )


@bp.route("/campaigns/<int:campaign_id>/expected", methods=["POST"])
@editor_required
def expected_counts(campaign_id: int) -> Any:
    campaign = visible_campaign_or_404(campaign_id)
    form = ExpectedCountsForm()
    if form.validate_on_submit():
        services.set_expected_counts(campaign, form.counts())
        flash(_("Очікувану кількість респондентів збережено."), "info")
    else:
        flash(_("Кількість має бути цілим числом від 0 до 100000."), "error")
    return redirect(url_for("staff.campaign", campaign_id=campaign.id))


@bp.route(
    f"/campaigns/<int:campaign_id>/links/<{ROLE_URL_PATTERN}:role>/rotate", methods=["GET", "POST"]
)
@editor_required
def rotate(campaign_id: int, role: str) -> Any:
    """GET: a page that says what a new link breaks and asks to confirm. POST from that page
    (``confirm=1``): a new token, and back to the campaign. Any other POST changes nothing and
    leads to the page (a rotation cannot be undone: printed QR codes stop working)."""
    campaign = visible_campaign_or_404(campaign_id)
    link = campaign.link_for(role) or abort(404)
    form = ConfirmForm()
    if request.method == "POST":
        if request.form.get("confirm") != "1" or not form.validate_on_submit():
            return redirect(url_for("staff.rotate", campaign_id=campaign.id, role=role), 303)
        try:
            services.rotate_token(campaign, role)
        except AnketaError:
            abort(404)
        flash(_("Посилання змінено: старе посилання і QR-код більше не діють."), "info")
        return redirect(url_for("staff.campaign", campaign_id=campaign.id))
    return render_template(
        "staff/rotate.html",
        campaign=campaign,
        link=link,
        url=services.respondent_url(base_url(), link.token),
        responses=campaign.response_counts().get(role, 0),
        form=form,
    )


@bp.route(f"/campaigns/<int:campaign_id>/qr/<{ROLE_URL_PATTERN}:role>.<any(png, svg):kind>")
@login_required
def qr(campaign_id: int, role: str, kind: str) -> Any:
    url = _link_urls(visible_campaign_or_404(campaign_id)).get(role) or abort(404)
    return send_file(
        io.BytesIO(qr_image(url, kind)),  # type: ignore[arg-type]
        mimetype=CONTENT_TYPES[kind],
        as_attachment=request.args.get("download") == "1",
        download_name=f"qr-{role}.{kind}",
        max_age=0,
    )


@bp.route("/campaigns/<int:campaign_id>/sheet")
@login_required
def sheet(campaign_id: int) -> Any:
    campaign = visible_campaign_or_404(campaign_id)
    return render_template("staff/sheet.html", campaign=campaign, **_links_context(campaign))
