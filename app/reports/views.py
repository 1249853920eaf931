"""Staff download of the довідка: ``GET /campaigns/<id>/report.docx``."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from flask import Blueprint, current_app, render_template, send_file
from flask_babel import gettext as _
from flask_login import login_required

from app.auth import visible_campaign_or_404
from app.reports.errors import ReportError

bp = Blueprint("reports", __name__)


@bp.route("/campaigns/<int:campaign_id>/report.docx")
@login_required
def report(campaign_id: int) -> Any:
    """Send the campaign's довідка; 404 for a campaign the user may not see."""
    # Imported on first use: matplotlib and python-docx would slow every app start-up
    # (each ``anketa`` command, each test) by a second or more.
    from app.reports.service import DOCX_MIMETYPE, campaign_report, report_filename

    campaign = visible_campaign_or_404(campaign_id)
    try:
        data = campaign_report(campaign)
    except ReportError as error:
        current_app.logger.error("report of campaign %s failed: %s", campaign_id, error)
        return render_template(
            "error.html", title=_("Довідку не сформовано"), message=str(error)
        ), 500
    response = send_file(
        BytesIO(data),
        mimetype=DOCX_MIMETYPE,
        as_attachment=True,
        download_name=report_filename(campaign),
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
